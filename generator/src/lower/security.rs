//! Security schemes and the security requirements of operations.
//!
//! Bearer tokens (`http` `bearer`, `oauth2`, `openIdConnect`: their access tokens all
//! travel as `Authorization: Bearer`) and API keys are supported.

use serde_json::Value;

use super::{Lowerer, did_you_mean, name_list, pointer, str_field, string_field};
use crate::ir::{
    OAuthFlow, ParameterLocation, SecurityRequirement, SecurityScheme, SecuritySchemeKind,
    SecurityUse, TokenIssuer,
};

const SUPPORTED: &str = "supported are http bearer, oauth2, openIdConnect and apiKey";

/// The `oauth2` flow names, in the order the OpenAPI document lists them.
const FLOWS: [&str; 4] = [
    "implicit",
    "password",
    "clientCredentials",
    "authorizationCode",
];

impl<'a> Lowerer<'a> {
    /// `components/securitySchemes`, in spec order.
    pub(super) fn security_schemes(&mut self) -> Vec<SecurityScheme> {
        let spec: &'a crate::spec::LoadedSpec = self.spec;
        let Some(Value::Object(schemes)) = spec.raw.pointer("/components/securitySchemes") else {
            return Vec::new();
        };
        let mut lowered = Vec::new();
        for (name, value) in schemes {
            let at = pointer::join("#/components/securitySchemes", name);
            let Some((at, scheme)) = self.follow(&at, value, "securitySchemes") else {
                continue;
            };
            let kind = match str_field(scheme, "type").unwrap_or_default() {
                "http" => match str_field(scheme, "scheme").unwrap_or_default() {
                    s if s.eq_ignore_ascii_case("bearer") => SecuritySchemeKind::Bearer {
                        bearer_format: string_field(scheme, "bearerFormat"),
                        issuer: TokenIssuer::Unspecified,
                    },
                    other => {
                        self.error(
                            &pointer::join(&at, "scheme"),
                            format!("http `{other}` authentication is not supported; {SUPPORTED}"),
                            Some("use `scheme: bearer` (a token such as a JWT) or an `apiKey` scheme".to_owned()),
                        );
                        continue;
                    }
                },
                "apiKey" => {
                    let location = match str_field(scheme, "in").unwrap_or_default() {
                        "query" => ParameterLocation::Query,
                        "cookie" => ParameterLocation::Cookie,
                        _ => ParameterLocation::Header,
                    };
                    SecuritySchemeKind::ApiKey {
                        location,
                        name: string_field(scheme, "name").unwrap_or_default(),
                    }
                }
                "oauth2" => SecuritySchemeKind::Bearer {
                    bearer_format: None,
                    issuer: TokenIssuer::OAuth2 {
                        flows: oauth_flows(scheme),
                    },
                },
                "openIdConnect" => SecuritySchemeKind::Bearer {
                    bearer_format: None,
                    issuer: TokenIssuer::OpenIdConnect {
                        url: string_field(scheme, "openIdConnectUrl").unwrap_or_default(),
                    },
                },
                other => {
                    self.error(
                        &pointer::join(&at, "type"),
                        format!("security scheme type `{other}` is not supported; {SUPPORTED}"),
                        Some("authenticate with a bearer token (`type: http, scheme: bearer`, `oauth2` or `openIdConnect`) or an API key (`type: apiKey`)".to_owned()),
                    );
                    continue;
                }
            };
            lowered.push(SecurityScheme {
                name: name.clone(),
                description: string_field(scheme, "description"),
                kind,
            });
        }
        lowered
    }

    /// A `security` list at `at`: alternatives, each a set of schemes.
    pub(super) fn security_requirements(
        &mut self,
        at: &str,
        list: &'a Value,
    ) -> Vec<SecurityRequirement> {
        let spec: &'a crate::spec::LoadedSpec = self.spec;
        let declared: Vec<&str> = spec
            .raw
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object)
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let mut requirements = Vec::new();
        for (i, requirement) in list.as_array().into_iter().flatten().enumerate() {
            let requirement_at = pointer::join_index(at, i);
            let mut schemes = Vec::new();
            for (name, scopes) in requirement.as_object().into_iter().flatten() {
                if !declared.contains(&name.as_str()) {
                    let help = match did_you_mean(name, declared.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!(
                            "define `{name}` under `components/securitySchemes` (defined are {})",
                            name_list(declared.iter().copied())
                        ),
                    };
                    self.error(
                        &pointer::join(&requirement_at, name),
                        format!("unknown security scheme `{name}`"),
                        Some(help),
                    );
                    continue;
                }
                let scopes = scopes
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect();
                schemes.push(SecurityUse {
                    scheme: name.clone(),
                    scopes,
                });
            }
            requirements.push(SecurityRequirement { schemes });
        }
        requirements
    }
}

/// The flows of an `oauth2` scheme, in [`FLOWS`] order. Their shape was checked
/// when the document was loaded.
fn oauth_flows(scheme: &Value) -> Vec<OAuthFlow> {
    let Some(flows) = scheme.get("flows") else {
        return Vec::new();
    };
    FLOWS
        .iter()
        .filter_map(|kind| {
            let flow = flows.get(*kind)?;
            Some(OAuthFlow {
                kind: (*kind).to_owned(),
                authorization_url: string_field(flow, "authorizationUrl"),
                token_url: string_field(flow, "tokenUrl"),
                refresh_url: string_field(flow, "refreshUrl"),
                scopes: flow
                    .get("scopes")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .map(|(name, about)| {
                        (name.clone(), about.as_str().unwrap_or_default().to_owned())
                    })
                    .collect(),
            })
        })
        .collect()
}
