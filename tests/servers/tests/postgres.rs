//! The throwaway PostgreSQL cluster starts, answers, survives a crash and restart with
//! its data, gives each caller a fresh database, and is gone after a stop.

use throwaway_servers::postgres::{Cluster, TEST_SETTINGS, shared};

#[test]
fn starts_answers_and_restarts_with_its_data() {
    let mut cluster = Cluster::start(&[]).expect("start");
    let database = cluster.database();
    cluster
        .sql_in(
            &database,
            "CREATE TABLE kept (id int PRIMARY KEY, name text); \
             INSERT INTO kept VALUES (7, 'seven')",
        )
        .expect("write");
    // No settings: the server's durable defaults, as a bench measures them.
    assert_eq!(
        cluster
            .sql("SELECT current_setting('fsync'), current_setting('server_version_num')::int / 10000")
            .unwrap(),
        "on\t15\n"
    );
    let port = cluster.port;
    cluster.kill();
    assert!(
        cluster.sql("SELECT 1").is_err(),
        "a killed cluster must not answer"
    );
    cluster.restart().expect("restart");
    assert_eq!(cluster.port, port, "a restart keeps the port");
    assert_eq!(
        cluster
            .sql_in(&database, "SELECT id, name FROM kept")
            .unwrap(),
        "7\tseven\n"
    );
    assert_ne!(cluster.database(), database);
    assert_eq!(
        cluster.url(&database),
        format!("postgres://postgres@127.0.0.1:{port}/{database}")
    );
    let dir = cluster.dir.clone();
    assert!(cluster.log().contains("database system is ready"));
    cluster.stop().expect("stop");
    assert!(!dir.exists(), "stop removes the folder");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "nothing listens on a stopped cluster's port"
    );
}

#[test]
fn settings_reach_the_server_and_bad_ones_are_refused() {
    let cluster = Cluster::start(&["max_connections=12"]).expect("start");
    assert_eq!(cluster.sql("SHOW max_connections").unwrap(), "12\n");
    let error = Cluster::start(&["fsync"])
        .err()
        .expect("a setting without a value");
    assert!(error.contains("`fsync`: write it as name=value"), "{error}");
}

#[test]
fn the_shared_cluster_has_the_test_settings_and_a_database_per_caller() {
    let cluster = shared();
    for setting in TEST_SETTINGS {
        let (name, value) = setting.split_once('=').unwrap();
        assert_eq!(
            cluster.sql(&format!("SHOW {name}")).unwrap(),
            format!("{value}\n")
        );
    }
    let (a, b) = (cluster.database(), cluster.database());
    assert_ne!(a, b);
    cluster
        .sql_in(&a, "CREATE TABLE only_in_a (id int)")
        .unwrap();
    let error = cluster.sql_in(&b, "SELECT * FROM only_in_a").unwrap_err();
    assert!(error.contains("does not exist"), "{error}");
    assert!(std::ptr::eq(cluster, shared()), "one cluster per process");
}

#[test]
fn sql_errors_name_the_statement_and_the_server_message() {
    let error = shared().sql("SELECT * FROM no_such_table").unwrap_err();
    assert!(
        error.starts_with("SELECT * FROM no_such_table: "),
        "{error}"
    );
    assert!(
        error.contains("relation \"no_such_table\" does not exist"),
        "{error}"
    );
}
