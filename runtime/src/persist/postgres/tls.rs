//! TLS to PostgreSQL, chosen by the connection string's `sslmode` as libpq chooses it,
//! over rustls (ring, the platform's trusted roots or the `sslrootcert` file):
//!
//! | `sslmode` | encrypted | server certificate checked |
//! | --- | --- | --- |
//! | `disable` | no | — |
//! | `prefer` (the default) | when the server offers it | no |
//! | `require` | yes, or no connection | no; with `sslrootcert`, as `verify-ca` |
//! | `verify-ca` | yes | signed by a trusted root |
//! | `verify-full` | yes | signed by a trusted root and issued for the host |
//!
//! tokio-postgres parses only `disable`, `prefer` and `require` and no `sslrootcert`,
//! so [`split`] takes those options off the connection string first.
//!
//! Channel binding (`channel_binding=require`, SCRAM-SHA-256-PLUS) gets the hash of
//! the server's certificate, `tls-server-end-point` (RFC 5929): SHA-256 for a
//! certificate signed with MD5, SHA-1 or SHA-256, else the signature's own hash.

use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect};

/// The connection string's TLS choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// What [`split`] took off a connection string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsOptions {
    pub mode: SslMode,
    /// `sslrootcert`: a PEM file of the roots to trust instead of the platform's.
    pub root_cert: Option<PathBuf>,
}

impl SslMode {
    fn parse(value: &str) -> Result<SslMode, String> {
        Ok(match value {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(format!(
                    "sslmode `{other}` is not one of disable, prefer, require, verify-ca, \
                     verify-full"
                ));
            }
        })
    }

    /// The mode tokio-postgres is given: it knows whether to ask for TLS, the
    /// connector here decides what to check.
    pub fn negotiation(self) -> tokio_postgres::config::SslMode {
        match self {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                tokio_postgres::config::SslMode::Require
            }
        }
    }
}

/// Takes `sslmode` and `sslrootcert` off a connection string (URL query or
/// `key=value` words) and returns the rest for tokio-postgres.
pub fn split(connection: &str) -> Result<(String, TlsOptions), String> {
    let mut options = TlsOptions {
        mode: SslMode::Prefer,
        root_cert: None,
    };
    let mut take = |key: &str, value: &str| -> Result<bool, String> {
        match key {
            "sslmode" => options.mode = SslMode::parse(value)?,
            "sslrootcert" => options.root_cert = Some(PathBuf::from(value)),
            _ => return Ok(false),
        }
        Ok(true)
    };
    let rest = if connection.starts_with("postgres://") || connection.starts_with("postgresql://") {
        match connection.split_once('?') {
            None => connection.to_string(),
            Some((base, query)) => {
                let mut kept = Vec::new();
                for pair in query.split('&') {
                    let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                    let value = crate::persist::percent_decode(value)?;
                    if !take(key, &value)? {
                        kept.push(pair);
                    }
                }
                if kept.is_empty() {
                    base.to_string()
                } else {
                    format!("{base}?{}", kept.join("&"))
                }
            }
        }
    } else {
        // `key=value` words; quoted values are left to tokio-postgres.
        let mut kept = Vec::new();
        for word in connection.split_whitespace() {
            let taken = match word.split_once('=') {
                Some((key, value)) if !value.starts_with('\'') => take(key, value)?,
                _ => false,
            };
            if !taken {
                kept.push(word);
            }
        }
        kept.join(" ")
    };
    if options.root_cert.is_some() && options.mode == SslMode::Require {
        // libpq: with a root certificate, `require` checks the chain.
        options.mode = SslMode::VerifyCa;
    }
    Ok((rest, options))
}

/// The connector the pool is built with.
#[derive(Clone)]
pub struct RustlsConnect {
    config: Arc<ClientConfig>,
}

impl RustlsConnect {
    /// The rustls configuration `options` ask for; a root certificate file that
    /// cannot be read or holds no certificate is an error naming it.
    pub fn new(options: &TlsOptions) -> Result<RustlsConnect, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier: Arc<dyn ServerCertVerifier> = match options.mode {
            SslMode::Disable | SslMode::Prefer | SslMode::Require => {
                Arc::new(EncryptionOnly(provider.clone()))
            }
            SslMode::VerifyCa => Arc::new(IgnoringHostname(trusted(options, &provider)?)),
            SslMode::VerifyFull => trusted(options, &provider)?,
        };
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS setup: {e}"))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(RustlsConnect {
            config: Arc::new(config),
        })
    }
}

/// The verifier of the trusted roots: the `sslrootcert` file's, else the platform's.
fn trusted(
    options: &TlsOptions,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, String> {
    let Some(path) = &options.root_cert else {
        let verifier = rustls_platform_verifier::Verifier::new(provider.clone())
            .map_err(|e| format!("the platform's trusted roots: {e}"))?;
        return Ok(Arc::new(verifier));
    };
    let shown = path.display();
    let mut roots = RootCertStore::empty();
    let certificates =
        CertificateDer::pem_file_iter(path).map_err(|e| format!("sslrootcert {shown}: {e}"))?;
    for certificate in certificates {
        let certificate = certificate.map_err(|e| format!("sslrootcert {shown}: {e}"))?;
        roots
            .add(certificate)
            .map_err(|e| format!("sslrootcert {shown}: {e}"))?;
    }
    if roots.is_empty() {
        return Err(format!(
            "sslrootcert {shown} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
        ));
    }
    rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map(|verifier| verifier as Arc<dyn ServerCertVerifier>)
        .map_err(|e| format!("sslrootcert {shown}: {e}"))
}

/// `prefer` and `require`: any certificate, but the handshake's signatures are
/// checked, so the session is encrypted with whoever holds that certificate's key.
#[derive(Debug)]
struct EncryptionOnly(Arc<CryptoProvider>);

impl ServerCertVerifier for EncryptionOnly {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain must reach a trusted root; the host name is not checked.
#[derive(Debug)]
struct IgnoringHostname(Arc<dyn ServerCertVerifier>);

impl ServerCertVerifier for IgnoringHostname {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

impl<S> MakeTlsConnect<S> for RustlsConnect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = TlsStream<S>;
    type TlsConnect = RustlsHandshake;
    type Error = rustls::Error;

    fn make_tls_connect(&mut self, host: &str) -> Result<RustlsHandshake, rustls::Error> {
        let name = ServerName::try_from(host.to_string())
            .map_err(|e| rustls::Error::General(format!("host `{host}`: {e}")))?;
        Ok(RustlsHandshake {
            config: self.config.clone(),
            name,
        })
    }
}

/// One connection's handshake.
pub struct RustlsHandshake {
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
}

impl<S> TlsConnect<S> for RustlsHandshake
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = TlsStream<S>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<TlsStream<S>>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        let connector = tokio_rustls::TlsConnector::from(self.config);
        Box::pin(async move {
            let stream = connector.connect(self.name, stream).await?;
            Ok(TlsStream(stream))
        })
    }
}

/// An encrypted connection.
pub struct TlsStream<S>(tokio_rustls::client::TlsStream<S>);

impl<S: AsyncRead + AsyncWrite + Unpin> tokio_postgres::tls::TlsStream for TlsStream<S> {
    fn channel_binding(&self) -> ChannelBinding {
        let (_, session) = self.0.get_ref();
        session
            .peer_certificates()
            .and_then(|chain| chain.first())
            .and_then(|certificate| end_point_hash(certificate))
            .map_or_else(ChannelBinding::none, ChannelBinding::tls_server_end_point)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for TlsStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for TlsStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// `tls-server-end-point` for a DER certificate: its hash with the digest of its
/// signature algorithm (SHA-256 for MD5, SHA-1 and SHA-256); `None` for an algorithm
/// without one (Ed25519), where the server offers no channel binding either.
fn end_point_hash(certificate: &[u8]) -> Option<Vec<u8>> {
    let algorithm = match signature_algorithm(certificate)? {
        // md5WithRSA, sha1WithRSA, sha256WithRSA, ecdsa-with-SHA1, ecdsa-with-SHA256.
        [42, 134, 72, 134, 247, 13, 1, 1, 4 | 5 | 11]
        | [42, 134, 72, 206, 61, 4, 1]
        | [42, 134, 72, 206, 61, 4, 3, 2] => &ring::digest::SHA256,
        // sha384WithRSA, ecdsa-with-SHA384.
        [42, 134, 72, 134, 247, 13, 1, 1, 12] | [42, 134, 72, 206, 61, 4, 3, 3] => {
            &ring::digest::SHA384
        }
        // sha512WithRSA, ecdsa-with-SHA512.
        [42, 134, 72, 134, 247, 13, 1, 1, 13] | [42, 134, 72, 206, 61, 4, 3, 4] => {
            &ring::digest::SHA512
        }
        _ => return None,
    };
    Some(
        ring::digest::digest(algorithm, certificate)
            .as_ref()
            .to_vec(),
    )
}

/// The object identifier (its content bytes) of a DER certificate's
/// `signatureAlgorithm`: `SEQUENCE { tbsCertificate, SEQUENCE { OID, ... }, ... }`.
fn signature_algorithm(certificate: &[u8]) -> Option<&[u8]> {
    let (_, body) = der_element(certificate, 0x30)?;
    let (rest, _tbs) = der_element(body, 0x30)?;
    let (_, algorithm) = der_element(rest, 0x30)?;
    let (_, oid) = der_element(algorithm, 0x06)?;
    Some(oid)
}

/// The first DER element of `input` if its tag is `tag`: (what follows it, its
/// content).
fn der_element(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&found, rest) = input.split_first()?;
    if found != tag {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let length = rest[..count]
            .iter()
            .fold(0usize, |length, &byte| (length << 8) | usize::from(byte));
        (length, &rest[count..])
    };
    (rest.len() >= length).then(|| (&rest[length..], &rest[..length]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_ok(connection: &str) -> (String, TlsOptions) {
        split(connection).unwrap_or_else(|e| panic!("{connection}: {e}"))
    }

    #[test]
    fn the_tls_options_are_taken_off_a_url_and_the_rest_kept() {
        let (rest, options) = split_ok(
            "postgres://u:p@db.example.com:5432/app?sslmode=verify-full&application_name=x\
             &sslrootcert=%2Fetc%2Fca.pem",
        );
        assert_eq!(
            rest,
            "postgres://u:p@db.example.com:5432/app?application_name=x"
        );
        assert_eq!(options.mode, SslMode::VerifyFull);
        assert_eq!(options.root_cert, Some(PathBuf::from("/etc/ca.pem")));

        let (rest, options) = split_ok("postgresql://u@h/app?sslmode=require");
        assert_eq!(rest, "postgresql://u@h/app");
        assert_eq!(options.mode, SslMode::Require);
        let (rest, options) = split_ok("postgres://u@h/app");
        assert_eq!(rest, "postgres://u@h/app");
        assert_eq!(options.mode, SslMode::Prefer);
    }

    #[test]
    fn the_tls_options_are_taken_off_key_value_words() {
        let (rest, options) =
            split_ok("host=db port=5432 sslmode=verify-ca sslrootcert=/ca.pem dbname=app");
        assert_eq!(rest, "host=db port=5432 dbname=app");
        assert_eq!(options.mode, SslMode::VerifyCa);
        assert_eq!(options.root_cert, Some(PathBuf::from("/ca.pem")));
    }

    #[test]
    fn require_with_a_root_certificate_checks_the_chain_as_libpq_does() {
        let (_, options) = split_ok("postgres://u@h/app?sslmode=require&sslrootcert=/ca.pem");
        assert_eq!(options.mode, SslMode::VerifyCa);
    }

    #[test]
    fn an_unknown_sslmode_is_refused_naming_the_choices() {
        let error = split("postgres://u@h/app?sslmode=always").unwrap_err();
        assert!(error.contains("`always`"), "{error}");
        assert!(error.contains("verify-full"), "{error}");
    }

    #[test]
    fn der_elements_with_long_lengths_are_read_and_truncated_ones_refused() {
        let mut long = vec![0x30, 0x82, 0x01, 0x00];
        long.extend(std::iter::repeat_n(7u8, 256));
        long.push(9);
        let (rest, content) = der_element(&long, 0x30).expect("element");
        assert_eq!((content.len(), rest), (256, &[9u8][..]));
        assert_eq!(der_element(&long[..100], 0x30), None);
        assert_eq!(der_element(&long, 0x31), None);
        assert_eq!(signature_algorithm(&[0x30, 0x03, 0x30, 0x01]), None);
    }
}
