//! The TypeScript target: one ESM npm package with the models, a validator that
//! reports violations with their paths (the first 100, and a count of the rest),
//! the per-operation request and response types, a handler interface served by a
//! Fetch API handler (Node, Deno, Bun, edge runtimes) with Node and Express adapters, a
//! typed fetch client, and, when the spec is the PowerSync write path, the
//! `uploadData` connector for the PowerSync JS SDKs.
//!
//! The lowering here turns the IR into typed view structs (`models`, `operations`,
//! `schema`: names from `names`, PowerSync write-path names from
//! [`crate::profile`]); the askama templates in `templates/typescript/src/` hold
//! the spec-dependent files' text, loops included, with names and literals escaped
//! by `names` and data tables printed by `literal`. Nothing here decides layout by
//! width: the last step runs the real, pinned prettier over the package (`format`).
//! What is the same for every spec is ordinary
//! TypeScript in `templates/typescript/support/` (`SUPPORT`), type-checked there
//! and copied verbatim after the header; it reaches the spec's names only through
//! the generated `src/spec.ts` and `src/schemas.ts`.

mod literal;
mod models;
mod names;
mod operations;
mod schema;

#[cfg(test)]
mod tests;

use askama::Template;

use self::names::Names;
use super::{Context, GeneratedFile, Target, TargetError};
use crate::ir::Api;

pub struct TypeScriptTarget;

const NAME: &str = "typescript";

impl Target for TypeScriptTarget {
    fn name(&self) -> &'static str {
        NAME
    }

    fn description(&self) -> &'static str {
        "TypeScript package: models, validation, fetch, Node and Express server adapters, fetch client, PowerSync connector"
    }

    fn check_package_name(&self, name: &str) -> Result<(), String> {
        super::package_name::npm_package(name)
    }

    fn generate(&self, api: &Api, ctx: &Context) -> Result<Vec<GeneratedFile>, TargetError> {
        operations::check(api)?;
        schema::check_enums(api)?;
        let names = Names::new(api)?;
        let header = ctx.header();
        let stem = names::api_stem(&api.title);
        let handler_name = format!("{stem}Handler");
        let client_name = format!("{stem}Client");
        let profile = crate::profile::write_path(api);
        let write_path = profile.is_some();
        let examples = has_examples(api, &ctx.package_name);

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
                examples,
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
                example: readme_example(api),
                supabase: examples.then_some(SupabaseExample {
                    function: SUPABASE_FUNCTION,
                    deno_json: SUPABASE_DENO_JSON,
                    migration: SUPABASE_MIGRATION,
                    migration_path: SUPABASE_MIGRATION_PATH,
                }),
                per_item: api
                    .operations
                    .iter()
                    .any(|op| operations::received_body(&names, api, op).is_some()),
                delimited: api
                    .operations
                    .iter()
                    .flat_map(|op| &op.parameters)
                    .any(|p| {
                        matches!(p.ty.kind, crate::ir::TyKind::Array(_))
                            && p.style.separator().is_some()
                    }),
                non_json: api.operations.iter().any(|op| {
                    op.request_body
                        .iter()
                        .map(|b| b.encoding)
                        .chain(
                            op.responses
                                .iter()
                                .filter_map(|r| Some(r.body.as_ref()?.encoding)),
                        )
                        .any(|e| e != crate::ir::BodyEncoding::Json)
                }),
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
        add(
            "src/models.ts",
            models::render(api, &names, &header).render(),
        )?;
        let (schemas, validator_imports) = schema::table(api);
        add(
            "src/schemas.ts",
            Schemas {
                header: header.clone(),
                schema_names: schema::schema_names(api),
                schemas,
                validator_imports: validator_imports.join(", "),
            }
            .render(),
        )?;
        add(
            "src/validation.ts",
            Validation {
                header: header.clone(),
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
                security_schemes: operations::security_schemes(api).print(0),
                operations: api
                    .operations
                    .iter()
                    .map(|op| operations::types(&names, api, op))
                    .collect(),
                operation_specs: literal::Lit::Table {
                    entry: "OperationSpec",
                    entries: api
                        .operations
                        .iter()
                        .map(|op| (op.id.clone(), operations::spec(api, op)))
                        .collect(),
                }
                .print(0),
            }
            .render(),
        )?;
        let server_operations: Vec<operations::ServerOperation> = api
            .operations
            .iter()
            .map(|op| operations::server_operation(&names, api, op))
            .collect();
        add(
            "src/server.ts",
            Server {
                header: header.clone(),
                handler_name: handler_name.clone(),
                handler_doc: names::doc_lines(&format!(
                    "The operations of {}, one method per operation. Each gets its typed,\n\
                     already validated request and returns one of its typed responses.",
                    api.title
                )),
                secured: api.operations.iter().any(operations::secured),
                operations: server_operations,
            }
            .render(),
        )?;
        let credentials_type = if api.security_schemes.is_empty() {
            "Record<string, never>".to_string()
        } else {
            let fields: Vec<String> = api
                .security_schemes
                .iter()
                .map(|s| format!("{}?: CredentialSource", names::key(&s.name)))
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
        add(
            "src/spec.ts",
            SpecModule {
                header: header.clone(),
                handler_name: handler_name.clone(),
                write_path: profile
                    .as_ref()
                    .map(|profile| write_path_exports(&names, profile, &client_name)),
            }
            .render(),
        )?;
        for (path, contents) in SUPPORT {
            if WRITE_PATH_SUPPORT.contains(path) && !write_path {
                continue;
            }
            add(path, Ok(format!("// {header}\n\n{contents}")))?;
        }
        if examples {
            add(
                &format!("{SUPABASE_DIR}/{SUPABASE_FUNCTION_PATH}"),
                Ok(format!("// {header}\n\n{SUPABASE_FUNCTION}")),
            )?;
            // JSON has no comments: the import map is copied as it is.
            add(
                &format!("{SUPABASE_DIR}/{SUPABASE_DENO_JSON_PATH}"),
                Ok(SUPABASE_DENO_JSON.to_string()),
            )?;
            add(
                &format!("{SUPABASE_DIR}/{SUPABASE_MIGRATION_PATH}"),
                Ok(format!("-- {header}\n\n{SUPABASE_MIGRATION}")),
            )?;
        }
        // The last step: the real prettier lays everything out.
        super::format::format(&mut files, NAME)?;
        Ok(files)
    }
}

/// The part of `src/spec.ts` through which the connector reaches this spec's names: the client,
/// the write path's models and the upload's response, each under the name the
/// connector uses.
fn write_path_exports(
    names: &Names,
    profile: &crate::profile::WritePath<'_>,
    client_name: &str,
) -> WritePathExports {
    let model = |local: &'static str, ir: &str| {
        let name = names.type_name(ir);
        if name == local {
            local.to_string()
        } else {
            format!("{name} as {local}")
        }
    };
    // In the order of the connector's names.
    let models = vec![
        model("CrudEntry", profile.entry),
        model("CrudTransaction", profile.transaction),
        model("ErrorResponse", profile.error_response),
        model("FailedOperation", profile.failed_operation),
        model("TransactionFatalError", profile.fatal_error),
        model("UpdateType", profile.update_type),
        model("Violation", profile.violation),
        model("WriteBatch", profile.batch),
        model("WriteBatchResponse", profile.response),
    ];
    WritePathExports {
        exports: vec![
            SpecifierList::new(
                "export",
                vec![format!("{client_name} as WritePathClient")],
                "./client.ts",
            ),
            SpecifierList::new("export type", models, "./models.ts"),
            SpecifierList::new(
                "export type",
                vec![format!(
                    "{}Response as UploadResponse",
                    names.stem(profile.operation)
                )],
                "./operations.ts",
            ),
        ],
        bearer_scheme: json_string(profile.bearer_scheme),
    }
}

/// `export { a, b } from "./x.ts";`.
struct SpecifierList {
    keyword: &'static str,
    items: Vec<String>,
    from: &'static str,
}

impl SpecifierList {
    fn new(keyword: &'static str, items: Vec<String>, from: &'static str) -> Self {
        SpecifierList {
            keyword,
            items,
            from,
        }
    }
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
    /// Whether the package has the example folder (`files` lists it).
    examples: bool,
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
    /// The spec's names the examples use.
    example: ReadmeExample,
    /// The Supabase edge function example, when the package has it.
    supabase: Option<SupabaseExample>,
    /// Whether a request body has `x-per-item-validation` arrays.
    per_item: bool,
    /// Whether an array parameter is written as one value, its items separated.
    delimited: bool,
    /// Whether a request or response body is not JSON.
    non_json: bool,
}

/// The spec's own names in the README's examples, so that they type-check against
/// the package they document.
struct ReadmeExample {
    /// The client's credentials, by scheme name: `bearerAuth: () => getToken()`.
    /// Empty when the spec has no security scheme.
    credentials: Vec<String>,
}

fn readme_example(api: &Api) -> ReadmeExample {
    ReadmeExample {
        credentials: api
            .security_schemes
            .iter()
            .map(|s| format!("{}: () => getToken()", names::key(&s.name)))
            .take(1)
            .collect(),
    }
}

/// The Supabase edge function example's files, shown in the README as they are
/// copied.
struct SupabaseExample {
    function: &'static str,
    deno_json: &'static str,
    migration: &'static str,
    /// The migration's path in the example's folder.
    migration_path: &'static str,
}

/// The Supabase edge function example: ordinary files in
/// `templates/typescript/examples/supabase/`, laid out like a Supabase project's
/// `supabase/` folder, copied into the package (and shown in its README) when the
/// spec fits the example ([`crate::profile::fits_the_examples`]) and the package has
/// the name its import map uses. `tests/typescript/test/supabase.test.ts` runs the
/// copy under Deno against PostgreSQL.
const SUPABASE_DIR: &str = "examples/supabase";
const SUPABASE_FUNCTION_PATH: &str = "functions/powersync-write/index.ts";
const SUPABASE_FUNCTION: &str = include_str!(
    "../../../../templates/typescript/examples/supabase/functions/powersync-write/index.ts"
);
const SUPABASE_DENO_JSON_PATH: &str = "functions/powersync-write/deno.json";
const SUPABASE_DENO_JSON: &str = include_str!(
    "../../../../templates/typescript/examples/supabase/functions/powersync-write/deno.json"
);
const SUPABASE_MIGRATION_PATH: &str = "migrations/20261201000000_powersync_write.sql";
const SUPABASE_MIGRATION: &str = include_str!(
    "../../../../templates/typescript/examples/supabase/migrations/20261201000000_powersync_write.sql"
);
/// The package name the example's import map uses.
const EXAMPLE_PACKAGE: &str = "powersync-write-api";

/// Whether the package gets the example.
fn has_examples(api: &Api, package: &str) -> bool {
    package == EXAMPLE_PACKAGE && crate::profile::fits_the_examples(api)
}

#[derive(Template)]
#[template(path = "typescript/src/index.ts", escape = "none")]
struct Index {
    header: String,
    connector: bool,
}

#[derive(Template)]
#[template(path = "typescript/src/schemas.ts", escape = "none")]
struct Schemas {
    header: String,
    schema_names: String,
    schemas: String,
    /// `Schema`, or `Property, Schema`.
    validator_imports: String,
}

#[derive(Template)]
#[template(path = "typescript/src/validation.ts", escape = "none")]
struct Validation {
    header: String,
    validators: Vec<schema::ValidatorView>,
}

#[derive(Template)]
#[template(path = "typescript/src/operations.ts", escape = "none")]
struct Operations {
    header: String,
    /// Whether a request type uses `Received` (an `x-per-item-validation` body).
    received: bool,
    security_schemes: String,
    operations: Vec<operations::OperationTypes>,
    operation_specs: String,
}

#[derive(Template)]
#[template(path = "typescript/src/server.ts", escape = "none")]
struct Server {
    header: String,
    handler_name: String,
    /// The handler interface's doc comment, by line.
    handler_doc: Vec<String>,
    /// Whether an operation needs credentials: the interface has `authenticate`.
    secured: bool,
    operations: Vec<operations::ServerOperation>,
}
#[derive(Template)]
#[template(path = "typescript/src/client.ts", escape = "none")]
struct Client {
    header: String,
    title: String,
    client_name: String,
    credentials_type: String,
    methods: Vec<operations::ClientMethod>,
}

/// The support modules: TypeScript that is the same for every spec, kept as
/// ordinary source in `templates/typescript/support/` (type-checked there) and
/// copied verbatim after the header. They reach the spec's names through the
/// generated `src/spec.ts`. The connector and the PostgreSQL module are copied for
/// the write path only ([`WRITE_PATH_SUPPORT`]).
const SUPPORT: &[(&str, &str)] = &[
    (
        "src/transport.ts",
        include_str!("../../../../templates/typescript/support/transport.ts"),
    ),
    (
        "src/serve.ts",
        include_str!("../../../../templates/typescript/support/serve.ts"),
    ),
    (
        "src/validator.ts",
        include_str!("../../../../templates/typescript/support/validator.ts"),
    ),
    (
        "src/node.ts",
        include_str!("../../../../templates/typescript/support/node.ts"),
    ),
    (
        "src/express.ts",
        include_str!("../../../../templates/typescript/support/express.ts"),
    ),
    (
        "src/connector.ts",
        include_str!("../../../../templates/typescript/support/connector.ts"),
    ),
    (
        "src/postgres-values.ts",
        include_str!("../../../../templates/typescript/support/postgres-values.ts"),
    ),
    (
        "src/postgres-errors.ts",
        include_str!("../../../../templates/typescript/support/postgres-errors.ts"),
    ),
    (
        "src/postgres-schema.ts",
        include_str!("../../../../templates/typescript/support/postgres-schema.ts"),
    ),
    (
        "src/postgres-statements.ts",
        include_str!("../../../../templates/typescript/support/postgres-statements.ts"),
    ),
    (
        "src/postgres-writer.ts",
        include_str!("../../../../templates/typescript/support/postgres-writer.ts"),
    ),
    (
        "src/postgres.ts",
        include_str!("../../../../templates/typescript/support/postgres.ts"),
    ),
];

/// The support modules of the write path only: the connector and the PostgreSQL
/// write module.
const WRITE_PATH_SUPPORT: &[&str] = &[
    "src/connector.ts",
    "src/postgres-errors.ts",
    "src/postgres-schema.ts",
    "src/postgres-statements.ts",
    "src/postgres-values.ts",
    "src/postgres-writer.ts",
    "src/postgres.ts",
];

#[derive(Template)]
#[template(path = "typescript/src/spec.ts", escape = "none")]
struct SpecModule {
    header: String,
    handler_name: String,
    write_path: Option<WritePathExports>,
}

/// What the connector uses of a write-path spec.
struct WritePathExports {
    /// The client, the models, the upload's response type.
    exports: Vec<SpecifierList>,
    /// The bearer scheme's name, as a string literal.
    bearer_scheme: String,
}
