//! Test certificates (rcgen): a certificate authority of its own name, and server
//! certificates it issues, for the servers' TLS tests.

use rcgen::{BasicConstraints, Certificate, CertificateParams, DnType, IsCa, KeyPair};

/// A certificate authority.
pub struct Authority {
    certificate: Certificate,
    key: KeyPair,
}

impl Authority {
    /// A new self-signed CA whose common name is `name` (two authorities of
    /// different names are told apart by a verifier: another's certificate is from
    /// an unknown issuer).
    pub fn new(name: &str) -> Authority {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().expect("CA key");
        let certificate = params.self_signed(&key).expect("CA certificate");
        Authority { certificate, key }
    }

    /// The CA's certificate, PEM.
    pub fn pem(&self) -> String {
        self.certificate.pem()
    }

    /// A server certificate for `names` (DNS names or IP addresses) signed by this
    /// CA: (certificate PEM, private key PEM).
    pub fn issue(&self, names: &[&str]) -> (String, String) {
        let key = KeyPair::generate().expect("server key");
        let params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .expect("server params");
        let certificate = params
            .signed_by(&key, &self.certificate, &self.key)
            .expect("server certificate");
        (certificate.pem(), key.serialize_pem())
    }
}
