//! The TypeScript target: one ESM npm package with the models, a validator that
//! reports violations with their paths (the first 100, and a count of the rest),
//! the per-operation request and response types, a handler interface served by a
//! Fetch API handler (Node, Deno, Bun, edge runtimes) and an Express adapter, a
//! typed fetch client, and, when the spec is the PowerSync write path, the
//! `uploadData` connector for the PowerSync JS SDKs.
//!
//! The lowering here turns the IR into view structs whose strings are TypeScript
//! already laid out as prettier prints it (`syntax`); the askama templates in
//! `templates/typescript/` hold the fixed code around them.

mod models;
mod names;
mod operations;
mod schema;
mod syntax;

#[cfg(test)]
mod tests;

use askama::Template;

use self::names::Names;
use super::{Context, GeneratedFile, Target, TargetError};
use crate::ir::{Api, Operation, StatusCode, TyKind, TypeDefKind};

pub struct TypeScriptTarget;

const NAME: &str = "typescript";

impl Target for TypeScriptTarget {
    fn name(&self) -> &'static str {
        NAME
    }

    fn description(&self) -> &'static str {
        "TypeScript package: models, validation, fetch and Express server adapters, fetch client, PowerSync connector"
    }

    fn check_package_name(&self, name: &str) -> Result<(), String> {
        super::package_name::npm_package(name)
    }

    fn generate(&self, api: &Api, ctx: &Context) -> Result<Vec<GeneratedFile>, TargetError> {
        operations::check(api)?;
        let names = Names::new(api)?;
        let header = ctx.header();
        let stem = names::api_stem(&api.title);
        let handler_name = format!("{stem}Handler");
        let client_name = format!("{stem}Client");
        let write_path = is_write_path(api);

        let mut files = Vec::new();
        let mut add = |path: &str, contents: Result<String, askama::Error>| {
            let mut contents = contents.map_err(|e| TargetError {
                target: NAME,
                message: format!("rendering typescript/{path} failed: {e}"),
            })?;
            // askama drops the template's final newline; every file ends with one.
            if !contents.ends_with('\n') {
                contents.push('\n');
            }
            files.push(GeneratedFile {
                path: format!("{NAME}/{path}").into(),
                contents,
            });
            Ok::<(), TargetError>(())
        };

        add(
            "package.json",
            PackageJson {
                name: ctx.package_name.clone(),
                version: api.version.clone(),
                description: json_string(&format!(
                    "{}: models, validation, server handlers and client generated from the OpenAPI spec.",
                    api.title
                )),
                connector: write_path,
            }
            .render(),
        )?;
        add("tsconfig.json", TsConfig.render())?;
        add(
            "README.md",
            Readme {
                header: header.clone(),
                title: api.title.clone(),
                package: ctx.package_name.clone(),
                handler_name: handler_name.clone(),
                client_name: client_name.clone(),
                connector: write_path,
                per_item: api
                    .operations
                    .iter()
                    .any(|op| operations::received_body(&names, api, op).is_some()),
            }
            .render(),
        )?;
        add(
            "src/index.ts",
            Index {
                header: header.clone(),
                connector: write_path,
            }
            .render(),
        )?;
        add("src/models.ts", Ok(models::render(api, &names, &header)))?;
        add(
            "src/validation.ts",
            Validation {
                header: header.clone(),
                schema_names: schema::schema_names(api),
                schemas: schema::table(api),
                validators: schema::validators(api, &names),
            }
            .render(),
        )?;
        add(
            "src/operations.ts",
            Operations {
                header: header.clone(),
                received: api
                    .operations
                    .iter()
                    .any(|op| operations::received_body(&names, api, op).is_some()),
                security_schemes: operations::security_schemes(api).print(0, 80, 1),
                operations: api
                    .operations
                    .iter()
                    .map(|op| OperationTypes {
                        types: operations::types(&names, api, op),
                    })
                    .collect(),
                operation_specs: syntax::Lit::Object(
                    api.operations
                        .iter()
                        .map(|op| (op.id.clone(), operations::spec(op)))
                        .collect(),
                )
                .print(0, 80, 1),
            }
            .render(),
        )?;
        let secured = api.operations.iter().any(operations::secured);
        let mut route_entries = Vec::new();
        let mut invokers = String::new();
        let mut members = String::new();
        if secured {
            members.push_str(&syntax::doc(
                "Checks the credentials of a request to an operation that requires them:\n\
                 return who made it, or `null` to refuse it (401). Missing or malformed\n\
                 credentials are refused without calling it. Throw an `HttpRejection` to\n\
                 answer otherwise (403, 503, ...).",
                2,
            ));
            members.push_str(
                "  authenticate(\n    credentials: Credentials,\n    request: Request,\n  ): Promise<Principal | null>;\n",
            );
        }
        for op in &api.operations {
            if !members.is_empty() {
                members.push('\n');
            }
            members.push_str(&operations::handler_member(&names, api, op));
            let (entry, invoke) = operations::route(&names, api, op, &handler_name);
            route_entries.push(entry);
            invokers.push_str(&invoke);
        }
        let authenticate_with = if secured {
            format!(
                "\nfunction authenticateWith<Principal>(\n  handler: {handler_name}<Principal>,\n  credentials: Credentials,\n  request: Request,\n): Promise<Principal | null> {{\n  return handler.authenticate(credentials, request);\n}}\n"
            )
        } else {
            format!(
                "\n// No operation requires credentials, so this is never called.\nfunction authenticateWith<Principal>(\n  _handler: {handler_name}<Principal>,\n  _credentials: Credentials,\n  _request: Request,\n): Promise<Principal | null> {{\n  return Promise.resolve(null);\n}}\n"
            )
        };
        add(
            "src/server.ts",
            Server {
                header: header.clone(),
                handler_name: handler_name.clone(),
                handler_doc: syntax::doc(
                    &format!(
                        "The operations of {}, one method per operation. Each gets its typed,\n\
                         already validated request and returns one of its typed responses.",
                        api.title
                    ),
                    0,
                ),
                handler_body: if members.is_empty() {
                    "{}".to_string()
                } else {
                    format!("{{\n{members}}}")
                },
                routes: return_array(&route_entries),
                authenticate_with: format!("{invokers}{authenticate_with}"),
            }
            .render(),
        )?;
        add(
            "src/express.ts",
            Express {
                header: header.clone(),
                handler_name: handler_name.clone(),
            }
            .render(),
        )?;
        let credentials_type = if api.security_schemes.is_empty() {
            "Record<string, never>".to_string()
        } else {
            let fields: Vec<String> = api
                .security_schemes
                .iter()
                .map(|s| format!("{}?: CredentialSource", syntax::key(&s.name)))
                .collect();
            format!("{{ {} }}", fields.join("; "))
        };
        add(
            "src/client.ts",
            Client {
                header: header.clone(),
                title: api.title.clone(),
                client_name: client_name.clone(),
                credentials_type,
                methods: api
                    .operations
                    .iter()
                    .map(|op| operations::client_method(&names, op))
                    .collect(),
            }
            .render(),
        )?;
        if write_path {
            add("src/connector.ts", Connector { header }.render())?;
        }
        Ok(files)
    }
}

/// Whether the API is the PowerSync write path, so the connector applies: an
/// `uploadData` operation taking a `WriteBatch` and answering `WriteBatchResponse`
/// whose results are a union tagged `success`, `retryable_error`, `fatal_error`
/// and `not_attempted`.
fn is_write_path(api: &Api) -> bool {
    let Some(op) = api.operations.iter().find(|op| op.id == "uploadData") else {
        return false;
    };
    let named = |ty: &crate::ir::Ty, name: &str| matches!(&ty.kind, TyKind::Named(n) if n == name);
    let body_ok = op
        .request_body
        .as_ref()
        .is_some_and(|b| named(&b.ty, "WriteBatch"));
    let reply_ok = ok_body(op).is_some_and(|ty| named(ty, "WriteBatchResponse"));
    let union_ok = api
        .type_def("TransactionResult")
        .is_some_and(|t| match &t.kind {
            TypeDefKind::Union(u) => ["success", "retryable_error", "fatal_error", "not_attempted"]
                .iter()
                .all(|tag| u.variants.iter().any(|v| v.tag == *tag)),
            _ => false,
        });
    body_ok && reply_ok && union_ok
}

fn ok_body(op: &Operation) -> Option<&crate::ir::Ty> {
    op.responses
        .iter()
        .find(|r| r.status == StatusCode::Code(200))
        .and_then(|r| r.body.as_ref())
        .map(|b| &b.ty)
}

/// `  return [a, b];` on one line when it fits, else one element per line.
fn return_array(items: &[String]) -> String {
    let flat = format!("  return [{}];", items.join(", "));
    if flat.len() <= syntax::WIDTH && !flat.contains('\n') {
        return flat;
    }
    let mut out = String::from("  return [\n");
    for item in items {
        out.push_str(&format!("    {item},\n"));
    }
    out.push_str("  ];");
    out
}

/// A JSON string literal (for `package.json`).
fn json_string(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

#[derive(Template)]
#[template(path = "typescript/package.json", escape = "none")]
struct PackageJson {
    name: String,
    version: String,
    description: String,
    connector: bool,
}

#[derive(Template)]
#[template(path = "typescript/tsconfig.json", escape = "none")]
struct TsConfig;

#[derive(Template)]
#[template(path = "typescript/README.md", escape = "none")]
struct Readme {
    header: String,
    title: String,
    package: String,
    handler_name: String,
    client_name: String,
    connector: bool,
    /// Whether a request body has `x-per-item-validation` arrays.
    per_item: bool,
}

#[derive(Template)]
#[template(path = "typescript/src/index.ts", escape = "none")]
struct Index {
    header: String,
    connector: bool,
}

#[derive(Template)]
#[template(path = "typescript/src/validation.ts", escape = "none")]
struct Validation {
    header: String,
    schema_names: String,
    schemas: String,
    validators: Vec<schema::ValidatorView>,
}

struct OperationTypes {
    types: String,
}

#[derive(Template)]
#[template(path = "typescript/src/operations.ts", escape = "none")]
struct Operations {
    header: String,
    /// Whether a request type uses `Received` (an `x-per-item-validation` body).
    received: bool,
    security_schemes: String,
    operations: Vec<OperationTypes>,
    operation_specs: String,
}

#[derive(Template)]
#[template(path = "typescript/src/server.ts", escape = "none")]
struct Server {
    header: String,
    handler_name: String,
    handler_doc: String,
    handler_body: String,
    routes: String,
    authenticate_with: String,
}

#[derive(Template)]
#[template(path = "typescript/src/express.ts", escape = "none")]
struct Express {
    header: String,
    handler_name: String,
}

#[derive(Template)]
#[template(path = "typescript/src/client.ts", escape = "none")]
struct Client {
    header: String,
    title: String,
    client_name: String,
    credentials_type: String,
    methods: Vec<String>,
}

#[derive(Template)]
#[template(path = "typescript/src/connector.ts", escape = "none")]
struct Connector {
    header: String,
}
