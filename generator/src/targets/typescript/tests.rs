//! The TypeScript target's naming and refusals, on small hand-built APIs. Whole
//! outputs are covered by the feature fixtures' snapshots (prettier- and
//! tsc-checked by `cargo xtask test`).

use super::TypeScriptTarget;
use crate::ir::*;
use crate::targets::{Context, Target};

fn context() -> Context {
    Context {
        spec_display_path: "spec.yaml".into(),
        regenerate_command: "gen".into(),
        package_name: "pkg".into(),
    }
}

fn api(types: Vec<TypeDef>, operations: Vec<Operation>) -> Api {
    Api {
        title: "Test API".into(),
        version: "1.0.0".into(),
        description: None,
        types,
        operations,
        security_schemes: Vec::new(),
    }
}

fn alias(name: &str) -> TypeDef {
    TypeDef {
        name: name.into(),
        description: None,
        example: None,
        pointer: format!("#/components/schemas/{name}"),
        kind: TypeDefKind::Alias(Ty::new(TyKind::String(StringFormat::Plain))),
    }
}

fn operation(id: &str, parameters: Vec<Parameter>) -> Operation {
    Operation {
        id: id.into(),
        method: Method::Get,
        path: "/things".into(),
        summary: None,
        description: None,
        tags: Vec::new(),
        parameters,
        request_body: None,
        responses: vec![Response {
            status: StatusCode::Code(204),
            description: "done".into(),
            headers: Vec::new(),
            body: None,
            links: vec![],
        }],
        security: Vec::new(),
        deprecated: false,
        pointer: "#/paths/~1things/get".into(),
        callbacks: vec![],
    }
}

fn file<'a>(files: &'a [crate::targets::GeneratedFile], path: &str) -> Option<&'a str> {
    files
        .iter()
        .find(|f| f.path.to_str() == Some(path))
        .map(|f| f.contents.as_str())
}

#[test]
fn names_that_would_clash_with_built_ins_or_package_exports_get_a_suffix() {
    let files = TypeScriptTarget
        .generate(
            &api(
                vec![alias("Record"), alias("Schema"), alias("list_item")],
                Vec::new(),
            ),
            &context(),
        )
        .unwrap();
    let models = file(&files, "typescript/src/models.ts").unwrap();
    assert!(
        models.contains("export type RecordModel = string;"),
        "{models}"
    );
    assert!(
        models.contains("export type SchemaModel = string;"),
        "{models}"
    );
    assert!(
        models.contains("export type ListItem = string;"),
        "{models}"
    );
    // The validator keeps the spec's own names.
    let validation = file(&files, "typescript/src/validation.ts").unwrap();
    assert!(validation.contains("export function validateSchemaModel("));
    assert!(validation.contains("return validate(\"Schema\", value);"));
}

#[test]
fn the_connector_and_the_postgres_module_are_emitted_only_for_the_write_path() {
    let files = TypeScriptTarget
        .generate(
            &api(Vec::new(), vec![operation("uploadData", Vec::new())]),
            &context(),
        )
        .unwrap();
    for path in super::WRITE_PATH_SUPPORT {
        assert!(
            file(&files, &format!("typescript/{path}")).is_none(),
            "{path}"
        );
    }
    let index = file(&files, "typescript/src/index.ts").unwrap();
    assert!(!index.contains("connector"), "{index}");
    let package = file(&files, "typescript/package.json").unwrap();
    assert!(!package.contains("@powersync/common"), "{package}");
    assert!(!package.contains("postgres"), "{package}");
}

#[test]
fn operations_named_like_the_handlers_own_members_are_renamed() {
    let files = TypeScriptTarget
        .generate(
            &api(Vec::new(), vec![operation("authenticate", Vec::new())]),
            &context(),
        )
        .unwrap();
    let server = file(&files, "typescript/src/server.ts").unwrap();
    assert!(
        server.contains("  authenticate_(context: RequestContext)"),
        "{server}"
    );
}

#[test]
fn cookie_parameters_are_refused_naming_the_operation() {
    let cookie = Parameter {
        name: "session".into(),
        location: ParameterLocation::Cookie,
        required: true,
        description: None,
        ty: Ty::new(TyKind::String(StringFormat::Plain)),
        style: ParameterStyle::FormExploded,
    };
    let error = TypeScriptTarget
        .generate(
            &api(Vec::new(), vec![operation("getThings", vec![cookie])]),
            &context(),
        )
        .unwrap_err();
    assert_eq!(error.target, "typescript");
    assert!(
        error
            .message
            .contains("GET `/things`: cookie parameter `session`"),
        "{}",
        error.message
    );
}

fn integer_enum(name: &str, values: Vec<i64>) -> TypeDef {
    TypeDef {
        kind: TypeDefKind::Enum(EnumDef {
            values: EnumValues::Integer {
                format: IntFormat::Int64,
                values,
            },
        }),
        ..alias(name)
    }
}

#[test]
fn integer_enums_beyond_the_exact_range_of_a_javascript_number_are_refused() {
    let safe = integer_enum("Safe", vec![9_007_199_254_740_991, -9_007_199_254_740_991]);
    let files = TypeScriptTarget
        .generate(&api(vec![safe], Vec::new()), &context())
        .unwrap();
    let models = file(&files, "typescript/src/models.ts").unwrap();
    assert!(
        models.contains("export type Safe = 9007199254740991 | -9007199254740991;"),
        "{models}"
    );
    for value in [9_007_199_254_740_992, -9_007_199_254_740_993, i64::MIN] {
        let error = TypeScriptTarget
            .generate(
                &api(vec![integer_enum("Big", vec![1, value])], Vec::new()),
                &context(),
            )
            .unwrap_err();
        assert!(
            error.message.contains(&format!(
                "enum `Big` (#/components/schemas/Big): the value {value} is beyond 2^53 - 1"
            )),
            "{}",
            error.message
        );
    }
    let number = TypeDef {
        kind: TypeDefKind::Enum(EnumDef {
            values: EnumValues::Number {
                format: NumberFormat::Double,
                values: vec![serde_json::Number::from_f64(0.5).unwrap(), u64::MAX.into()],
            },
        }),
        ..alias("Wide")
    };
    assert!(
        TypeScriptTarget
            .generate(&api(vec![number], Vec::new()), &context())
            .is_err()
    );
}

#[test]
fn every_file_starts_with_the_generated_header() {
    let files = TypeScriptTarget
        .generate(&api(vec![alias("Thing")], Vec::new()), &context())
        .unwrap();
    for f in &files {
        let first = f.contents.lines().next().unwrap_or("");
        let path = f.path.display().to_string();
        if path.ends_with(".json") {
            continue; // JSON has no comments
        }
        assert!(
            first.contains("Generated from spec.yaml by `gen`"),
            "{path}: {first}"
        );
    }
}

#[test]
fn support_modules_are_copied_verbatim_after_the_header() {
    let files = TypeScriptTarget
        .generate(
            &api(Vec::new(), vec![operation("listThings", Vec::new())]),
            &context(),
        )
        .unwrap();
    let header = format!("// {}\n\n", context().header());
    for (path, source) in super::SUPPORT {
        assert!(
            !source.contains("{{") && !source.contains("{%"),
            "{path} is ordinary TypeScript, not a template"
        );
        let generated = file(&files, &format!("typescript/{path}"));
        if super::WRITE_PATH_SUPPORT.contains(path) {
            // Not the write path.
            assert!(generated.is_none());
            continue;
        }
        assert_eq!(generated.unwrap(), format!("{header}{source}"), "{path}");
    }
    // They reach the spec's names through `spec.ts` only.
    let spec = file(&files, "typescript/src/spec.ts").unwrap();
    assert!(
        spec.contains("export type { TestApiHandler as Handler } from \"./server.ts\";"),
        "{spec}"
    );
    assert!(!spec.contains("WritePathClient"), "{spec}");
}

#[test]
fn every_support_module_is_shipped() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates/typescript/support");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("the support folder exists")
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".ts"))
        .map(|name| format!("src/{name}"))
        .collect();
    on_disk.sort();
    let mut shipped: Vec<String> = super::SUPPORT.iter().map(|(p, _)| p.to_string()).collect();
    shipped.sort();
    assert_eq!(
        on_disk, shipped,
        "templates/typescript/support/*.ts and SUPPORT differ"
    );
}

/// The canonical spec's package, generated under `package_name`.
fn canonical(spec: &str, package_name: &str) -> Vec<crate::targets::GeneratedFile> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let api = crate::load_and_lower(&root.join(spec)).expect("the spec lowers");
    let context = Context {
        spec_display_path: spec.into(),
        regenerate_command: "gen".into(),
        package_name: package_name.into(),
    };
    TypeScriptTarget
        .generate(&api, &context)
        .expect("the target generates")
}

/// The Supabase example's files: path in the package, template text, README fence.
fn supabase_files() -> [(String, &'static str, &'static str); 3] {
    let path = |p: &str| format!("typescript/{}/{p}", super::SUPABASE_DIR);
    [
        (
            path(super::SUPABASE_FUNCTION_PATH),
            super::SUPABASE_FUNCTION,
            "ts",
        ),
        (
            path(super::SUPABASE_DENO_JSON_PATH),
            super::SUPABASE_DENO_JSON,
            "json",
        ),
        (
            path(super::SUPABASE_MIGRATION_PATH),
            super::SUPABASE_MIGRATION,
            "sql",
        ),
    ]
}

#[test]
fn the_readme_shows_the_supabase_example_exactly_as_copied() {
    let files = canonical("spec/powersync-write.yaml", "powersync-write-api");
    let readme = file(&files, "typescript/README.md").unwrap();
    for (path, template, fence) in supabase_files() {
        let copy = file(&files, &path).unwrap_or_else(|| panic!("{path} is copied"));
        let body = match fence {
            "ts" => copy.split_once("\n\n").expect("a header").1,
            "sql" => {
                let (header, body) = copy.split_once("\n\n").expect("a header");
                assert!(header.starts_with("-- Generated from"), "{header}");
                body
            }
            _ => copy,
        };
        assert_eq!(body, template, "{path}: the copy is the template");
        assert!(
            readme.contains(&format!("```{fence}\n{template}```")),
            "the README shows {path} in full"
        );
    }
    let package = file(&files, "typescript/package.json").unwrap();
    assert!(package.contains("\"examples\""), "{package}");
}

#[test]
fn no_supabase_example_where_it_would_not_compile() {
    let renamed = canonical(
        "generator/tests/fixtures/features/renamed_write_path.yaml",
        "powersync-write-api",
    );
    let other_name = canonical("spec/powersync-write.yaml", "other-api");
    for files in [&renamed, &other_name] {
        for (path, _, _) in supabase_files() {
            assert!(file(files, &path).is_none(), "{path}");
        }
        let readme = file(files, "typescript/README.md").unwrap();
        assert!(!readme.contains("examples/supabase"), "{readme}");
        let package = file(files, "typescript/package.json").unwrap();
        assert!(!package.contains("\"examples\""), "{package}");
    }
}

/// The import map names the package's own modules by the paths the vendored copy
/// has, and pins the versions the repository tests with.
#[test]
fn the_supabase_import_map_matches_the_package_and_the_tested_versions() {
    let files = canonical("spec/powersync-write.yaml", "powersync-write-api");
    let map: serde_json::Value =
        serde_json::from_str(super::SUPABASE_DENO_JSON).expect("deno.json is JSON");
    let imports = map["imports"].as_object().expect("an import map");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let tests: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("tests/typescript/package.json")).unwrap(),
    )
    .unwrap();
    let vendored = format!("../_shared/{}/", super::EXAMPLE_PACKAGE);
    assert!(imports.contains_key(super::EXAMPLE_PACKAGE), "{imports:?}");
    for (name, target) in imports {
        let target = target.as_str().unwrap();
        if let Some(module) = target.strip_prefix(&vendored) {
            assert!(name.starts_with(super::EXAMPLE_PACKAGE), "{name}");
            assert!(
                file(&files, &format!("typescript/src/{module}")).is_some(),
                "{name} maps to {target}, which the package's src/ lacks"
            );
        } else {
            let pin = target
                .strip_prefix(&format!("npm:{name}@"))
                .unwrap_or_else(|| panic!("{name}: {target} is not npm:{name}@<version>"));
            assert_eq!(
                tests["dependencies"][name].as_str(),
                Some(pin),
                "{name} is pinned to another version than tests/typescript tests with"
            );
        }
    }
}
