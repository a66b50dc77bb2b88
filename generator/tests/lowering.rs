//! Every feature fixture (`tests/fixtures/features/<feature>.yaml`, one small spec
//! per supported feature) lowers to the IR recorded next to it in `<feature>.ir`,
//! written in a compact form that reads like the spec.
//!
//! After an intended change, regenerate with
//! `UPDATE_EXPECT=1 cargo test -p powersync-write-gen --test lowering` and review
//! the diff.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use powersync_write_gen::ir::{
    Api, BodyEncoding, Constraints, EnumValues, IntFormat, NumberFormat, ParameterLocation,
    ParameterStyle, SecuritySchemeKind, StatusCode, StringFormat, TokenIssuer, Ty, TyKind,
    TypeDefKind,
};
use powersync_write_gen::spec;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/features")
}

#[test]
fn every_feature_lowers_to_its_recorded_ir() {
    let mut failures = Vec::new();
    let mut count = 0;
    for yaml in fixture_files(&fixtures(), "yaml") {
        count += 1;
        let display = format!("features/{}", file_name(&yaml));
        let text = std::fs::read_to_string(&yaml).expect("fixture is readable");
        let actual = match spec::load_str(&display, &text)
            .and_then(|s| powersync_write_gen::lower::lower(&s))
        {
            Ok(api) => render(&api),
            Err(diagnostics) => format!("ERROR\n{diagnostics}\n"),
        };
        if let Some(failure) = compare(&yaml.with_extension("ir"), &actual) {
            failures.push(failure);
        }
    }
    assert!(
        count >= 12,
        "expected at least 12 feature fixtures, found {count}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Compares with the recorded file, or records it under `UPDATE_EXPECT=1`.
fn compare(expected_path: &Path, actual: &str) -> Option<String> {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(expected_path, actual).expect("can write the expectation");
        return None;
    }
    let expected = std::fs::read_to_string(expected_path).unwrap_or_default();
    (expected != actual).then(|| {
        format!(
            "{} differs (rerun with UPDATE_EXPECT=1 to record, then review the diff)\n--- expected\n{expected}\n+++ actual\n{actual}",
            expected_path.display()
        )
    })
}

fn fixture_files(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixture folder exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .collect();
    files.sort();
    files
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The IR, compactly: one line per type, field, operation part.
fn render(api: &Api) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "api {:?} {}", api.title, api.version);
    if let Some(d) = &api.description {
        let _ = writeln!(out, "  description {d:?}");
    }
    for t in &api.types {
        let _ = write!(out, "\ntype {} ({})", t.name, t.pointer);
        match &t.kind {
            TypeDefKind::Struct(s) => {
                let _ = writeln!(out, " struct");
                if let Some(tag) = &s.tag {
                    let _ = writeln!(out, "  tag {} = {:?}", tag.property, tag.value);
                }
                for f in &s.fields {
                    let mut flags = String::new();
                    if let Some(d) = &f.description {
                        let _ = write!(flags, " description={d:?}");
                    }
                    if let Some(d) = &f.default {
                        let _ = write!(flags, " default={d}");
                    }
                    if let Some(e) = &f.example {
                        let _ = write!(flags, " example={e}");
                    }
                    if f.deprecated {
                        flags.push_str(" deprecated");
                    }
                    let optional = if f.required { "" } else { "?" };
                    let _ = writeln!(
                        out,
                        "  {}{optional}: {}{flags}  ({})",
                        f.name,
                        ty(&f.ty),
                        f.pointer
                    );
                }
                if let Some(extra) = &s.additional_properties {
                    let _ = writeln!(out, "  ..: {}", ty(extra));
                }
            }
            TypeDefKind::Enum(e) => match &e.values {
                EnumValues::String(values) => {
                    let _ = writeln!(out, " enum {values:?}");
                }
                EnumValues::Integer { format, values } => {
                    let _ = writeln!(
                        out,
                        " enum {} {values:?}",
                        ty(&Ty::new(TyKind::Integer(*format)))
                    );
                }
                EnumValues::Number { format, values } => {
                    let values: Vec<String> = values.iter().map(ToString::to_string).collect();
                    let _ = writeln!(
                        out,
                        " enum {} [{}]",
                        ty(&Ty::new(TyKind::Number(*format))),
                        values.join(", ")
                    );
                }
            },
            TypeDefKind::Union(u) => {
                let _ = writeln!(out, " union on {}", u.discriminator);
                for v in &u.variants {
                    let _ = writeln!(out, "  {:?} => {}", v.tag, v.type_name);
                }
            }
            TypeDefKind::Alias(t) => {
                let _ = writeln!(out, " alias {}", ty(t));
            }
        }
        if let Some(d) = &t.description {
            let _ = writeln!(out, "  description {d:?}");
        }
        if let Some(e) = &t.example {
            let _ = writeln!(out, "  example {e}");
        }
    }
    for op in &api.operations {
        let _ = writeln!(
            out,
            "\noperation {} {} {} ({})",
            op.id,
            op.method.as_str(),
            op.path,
            op.pointer
        );
        if let Some(s) = &op.summary {
            let _ = writeln!(out, "  summary {s:?}");
        }
        if !op.tags.is_empty() {
            let _ = writeln!(out, "  tags {:?}", op.tags);
        }
        let security: Vec<String> = op
            .security
            .iter()
            .map(|r| {
                let schemes: Vec<String> = r
                    .schemes
                    .iter()
                    .map(|u| format!("{}{:?}", u.scheme, u.scopes))
                    .collect();
                if schemes.is_empty() {
                    "anonymous".to_owned()
                } else {
                    schemes.join(" + ")
                }
            })
            .collect();
        let _ = writeln!(out, "  security [{}]", security.join(" | "));
        for p in &op.parameters {
            let location = match p.location {
                ParameterLocation::Path => "path",
                ParameterLocation::Query => "query",
                ParameterLocation::Header => "header",
                ParameterLocation::Cookie => "cookie",
            };
            let required = if p.required { " required" } else { "" };
            let description = p
                .description
                .as_ref()
                .map(|d| format!(" description={d:?}"))
                .unwrap_or_default();
            // The style only when it is not the location's default.
            let style = if p.style == ParameterStyle::default_for(p.location) {
                String::new()
            } else {
                format!(" style={:?}", p.style)
            };
            let _ = writeln!(
                out,
                "  parameter {location} {}: {}{required}{style}{description}",
                p.name,
                ty(&p.ty)
            );
        }
        if let Some(b) = &op.request_body {
            let required = if b.required { " required" } else { "" };
            let _ = writeln!(
                out,
                "  body {}{}: {}{required}",
                b.content_type,
                encoding(b.encoding),
                ty(&b.ty)
            );
        }
        for r in &op.responses {
            let status = match r.status {
                StatusCode::Code(c) => c.to_string(),
                StatusCode::Default => "default".to_owned(),
            };
            let body = r
                .body
                .as_ref()
                .map(|b| format!(" {}{}: {}", b.content_type, encoding(b.encoding), ty(&b.ty)))
                .unwrap_or_default();
            let _ = writeln!(out, "  response {status} {:?}{body}", r.description);
            for h in &r.headers {
                let required = if h.required { " required" } else { "" };
                let _ = writeln!(out, "    header {}: {}{required}", h.name, ty(&h.ty));
            }
            for l in &r.links {
                let known = if l.known_operation {
                    ""
                } else {
                    " (not an operationId here)"
                };
                let _ = writeln!(
                    out,
                    "    link {} -> {}{known} parameters={:?} description={:?}",
                    l.name, l.operation, l.parameters, l.description
                );
            }
        }
        for c in &op.callbacks {
            for r in &c.requests {
                let _ = writeln!(
                    out,
                    "  callback {}: {} {} summary={:?}",
                    c.name,
                    r.method.as_str(),
                    r.expression,
                    r.summary
                );
            }
        }
    }
    for s in &api.security_schemes {
        let kind = match &s.kind {
            SecuritySchemeKind::Bearer {
                bearer_format,
                issuer: TokenIssuer::Unspecified,
            } => format!("http bearer {bearer_format:?}"),
            SecuritySchemeKind::Bearer {
                issuer: TokenIssuer::OAuth2 { flows },
                ..
            } => {
                let flows: Vec<String> = flows
                    .iter()
                    .map(|f| {
                        format!(
                            "{} authorization={:?} token={:?} refresh={:?} scopes={:?}",
                            f.kind, f.authorization_url, f.token_url, f.refresh_url, f.scopes
                        )
                    })
                    .collect();
                format!("oauth2 bearer flows=[{}]", flows.join("; "))
            }
            SecuritySchemeKind::Bearer {
                issuer: TokenIssuer::OpenIdConnect { url },
                ..
            } => format!("openIdConnect bearer url={url:?}"),
            SecuritySchemeKind::ApiKey { location, name } => {
                format!("apiKey {location:?} {name:?}")
            }
        };
        let _ = writeln!(
            out,
            "\nsecurity scheme {} {kind} description={:?}",
            s.name, s.description
        );
    }
    out
}

/// ` [text]` after a media type whose encoding is not JSON.
fn encoding(encoding: BodyEncoding) -> String {
    match encoding {
        BodyEncoding::Json => String::new(),
        other => format!(" [{}]", other.as_str()),
    }
}

fn ty(t: &Ty) -> String {
    let mut s = match &t.kind {
        TyKind::Boolean => "boolean".to_owned(),
        TyKind::Integer(IntFormat::Int32) => "int32".to_owned(),
        TyKind::Integer(IntFormat::Int64) => "int64".to_owned(),
        TyKind::Number(NumberFormat::Float) => "float".to_owned(),
        TyKind::Number(NumberFormat::Double) => "double".to_owned(),
        TyKind::String(StringFormat::Plain) => "string".to_owned(),
        TyKind::String(StringFormat::Other(f)) => format!("string({f})"),
        TyKind::String(f) => format!("string({f:?})"),
        TyKind::Array(items) => format!("array<{}>", ty(items)),
        TyKind::Map(values) => format!("map<{}>", ty(values)),
        TyKind::Any => "any".to_owned(),
        TyKind::Named(n) => n.clone(),
    };
    if t.nullable {
        s.push_str(" | null");
    }
    if !t.constraints.is_empty() {
        s.push_str(&format!(" {}", constraints(&t.constraints)));
    }
    s
}

fn constraints(c: &Constraints) -> String {
    let mut parts = Vec::new();
    if let Some(b) = &c.minimum {
        parts.push(format!(
            "minimum{} {}",
            if b.exclusive { " (exclusive)" } else { "" },
            b.value
        ));
    }
    if let Some(b) = &c.maximum {
        parts.push(format!(
            "maximum{} {}",
            if b.exclusive { " (exclusive)" } else { "" },
            b.value
        ));
    }
    for (name, value) in [
        ("minLength", c.min_length),
        ("maxLength", c.max_length),
        ("minItems", c.min_items),
        ("maxItems", c.max_items),
    ] {
        if let Some(v) = value {
            parts.push(format!("{name} {v}"));
        }
    }
    if let Some(p) = &c.pattern {
        parts.push(format!("pattern {p:?}"));
    }
    if c.unique_items {
        parts.push("uniqueItems".to_owned());
    }
    format!("{{{}}}", parts.join(", "))
}

/// The project's own spec lowers, with the names every target relies on.
#[test]
fn the_project_spec_lowers() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/powersync-write.yaml");
    let api = match powersync_write_gen::load_and_lower(&path) {
        Ok(api) => api,
        Err(diagnostics) => panic!("spec/powersync-write.yaml does not lower:\n{diagnostics}"),
    };
    let operations: Vec<String> = api
        .operations
        .iter()
        .map(|o| format!("{} {} {}", o.id, o.method.as_str(), o.path))
        .collect();
    assert_eq!(
        operations,
        [
            "uploadData POST /api/data",
            "health GET /health",
            "ready GET /ready"
        ]
    );
    for name in [
        "WriteBatch",
        "CrudTransaction",
        "CrudEntry",
        "UpdateType",
        "WriteBatchResponse",
        "TransactionResult",
        "FailedOperation",
        "ErrorResponse",
        "Violation",
        "HealthStatus",
    ] {
        assert!(api.type_def(name).is_some(), "{name} is missing");
    }
    let Some(TypeDefKind::Union(union)) = api.type_def("TransactionResult").map(|t| &t.kind) else {
        panic!("TransactionResult is not a union");
    };
    let variants: Vec<(&str, &str)> = union
        .variants
        .iter()
        .map(|v| (v.tag.as_str(), v.type_name.as_str()))
        .collect();
    assert_eq!(union.discriminator, "status");
    assert_eq!(
        variants,
        [
            ("success", "TransactionSuccess"),
            ("retryable_error", "TransactionRetryableError"),
            ("fatal_error", "TransactionFatalError"),
            ("not_attempted", "TransactionNotAttempted"),
        ]
    );
    let upload = &api.operations[0];
    assert_eq!(upload.security.len(), 1);
    assert!(api.operations[1..].iter().all(|o| o.security.is_empty()));
}
