//! The throwaway MariaDB server starts, answers, survives a crash and restart with its
//! data, and gives each caller a fresh database.

use throwaway_servers::mariadb::Server;

#[test]
fn starts_answers_and_restarts_with_its_data() {
    let mut server = Server::start(&[]).expect("start");
    let database = server.database();
    server
        .sql(&format!(
            "CREATE TABLE `{database}`.kept (id INT PRIMARY KEY) ENGINE=InnoDB; \
             INSERT INTO `{database}`.kept VALUES (7)"
        ))
        .expect("write");
    assert_eq!(
        server
            .sql("SELECT @@character_set_server, @@innodb_flush_log_at_trx_commit")
            .unwrap(),
        "utf8mb4\t1\n"
    );
    let port = server.port;
    server.kill();
    assert!(
        server.sql("SELECT 1").is_err(),
        "a killed server must not answer"
    );
    server.restart().expect("restart");
    assert_eq!(server.port, port, "a restart keeps the port");
    assert_eq!(
        server
            .sql(&format!("SELECT id FROM `{database}`.kept"))
            .unwrap(),
        "7\n"
    );
    assert_ne!(server.database(), database);
    assert!(server.url(&database).starts_with("mysql://root@127.0.0.1:"));
    let dir = server.dir.clone();
    server.stop();
    assert!(!dir.exists());
}

#[test]
fn extra_options_reach_the_server() {
    let server = Server::start(&["--max-connections=12"]).expect("start");
    assert_eq!(server.sql("SELECT @@max_connections").unwrap(), "12\n");
}
