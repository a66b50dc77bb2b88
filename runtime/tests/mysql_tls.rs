//! TLS to MariaDB on a real server that requires secure transport, with a
//! certificate for `db.example.test` and 127.0.0.1 from a test CA: every `ssl-mode` connects or
//! refuses as the `mysql` client's does. The server refuses unencrypted TCP (as the
//! `DISABLED` case shows), so every connection made is encrypted.

use powersync_write_server::persist::Persister;
use powersync_write_server::persist::mysql::{MysqlConfig, MysqlPersister};
use powersync_write_server::vocab::DbError;
use throwaway_servers::certificates::Authority;
use throwaway_servers::mariadb::Server;

struct Setup {
    server: Server,
    /// Holds the certificate files.
    _dir: tempfile::TempDir,
    /// The test CA's certificate file, and another CA's.
    ca: String,
    other_ca: String,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, pem: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, pem).expect("write");
        path.display().to_string()
    };
    let ca = Authority::new("Test CA");
    let (cert, key) = ca.issue(&["db.example.test", "127.0.0.1"]);
    let (cert_file, key_file) = (write("server.crt", &cert), write("server.key", &key));
    let ca_file = write("ca.pem", &ca.pem());
    let other_ca = write("other-ca.pem", &Authority::new("Another CA").pem());
    let server = Server::start(&[
        &format!("--ssl-cert={cert_file}"),
        &format!("--ssl-key={key_file}"),
        "--require-secure-transport=ON",
    ])
    .expect("MariaDB with TLS");
    server.sql("CREATE DATABASE t").expect("database");
    Setup {
        server,
        _dir: dir,
        ca: ca_file,
        other_ca,
    }
}

impl Setup {
    fn url(&self, options: &str) -> String {
        format!("{}?{options}", self.server.url("t"))
    }

    /// The same, by the name `localhost`, which the certificate is not for.
    fn url_by_localhost(&self, options: &str) -> String {
        self.url(options).replace("@127.0.0.1:", "@localhost:")
    }

    async fn connect(&self, url: &str) -> Result<(), DbError> {
        let persister = MysqlPersister::new(MysqlConfig::new(url))?;
        persister.ping().await
    }

    async fn refused(&self, url: &str) -> String {
        match self.connect(url).await {
            Ok(()) => panic!("{url} must be refused"),
            Err(error) => error.to_string(),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_ssl_mode_connects_or_refuses_as_the_mysql_client_does() {
    let setup = setup();
    let (ca, other) = (&setup.ca, &setup.other_ca);
    let encrypted = |result: Result<(), DbError>| {
        if let Err(error) = result {
            panic!("{error}");
        }
    };

    // REQUIRED: encrypted, the certificate unchecked.
    encrypted(setup.connect(&setup.url("ssl-mode=REQUIRED")).await);
    // VERIFY_IDENTITY: the chain and the name.
    encrypted(
        setup
            .connect(&setup.url(&format!("ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}")))
            .await,
    );
    let error = setup
        .refused(&setup.url(&format!("ssl-mode=VERIFY_IDENTITY&ssl-ca={other}")))
        .await;
    assert!(error.contains("UnknownIssuer"), "{error}");
    let error = setup
        .refused(&setup.url_by_localhost(&format!("ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}")))
        .await;
    assert!(error.contains("not valid for name"), "{error}");
    assert!(
        error.contains("ssl-ca=PATH"),
        "the error says what to do: {error}"
    );
    // DISABLED (the default): this server requires secure transport, and MariaDB
    // answers a plain connection as it answers a wrong password (the same user got in
    // over TLS above).
    for options in ["ssl-mode=DISABLED", "prefer_socket=false"] {
        let error = setup.refused(&setup.url(options)).await;
        assert!(error.contains("Access denied"), "{options}: {error}");
    }
}
