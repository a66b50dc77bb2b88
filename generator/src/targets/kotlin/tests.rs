//! The Kotlin target's choices that the feature fixtures' snapshots show only
//! indirectly: which specs get the connector, and where files are named after
//! their one class.

use super::KotlinTarget;
use crate::targets::{Context, GeneratedFile, Target};

fn generate(spec: &str, package_name: &str) -> Vec<GeneratedFile> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let api = crate::load_and_lower(&root.join(spec)).expect("the spec lowers");
    let context = Context {
        spec_display_path: spec.into(),
        regenerate_command: "gen".into(),
        package_name: package_name.into(),
    };
    KotlinTarget
        .generate(&api, &context)
        .expect("the target generates")
}

fn names(files: &[GeneratedFile]) -> Vec<String> {
    files
        .iter()
        .map(|f| f.path.to_string_lossy().into_owned())
        .collect()
}

#[test]
fn write_path_specs_get_the_connector_and_others_do_not() {
    let sources = "kotlin/src/main/kotlin/powersync/write/api";
    let write_path = names(&generate(
        "spec/powersync-write.yaml",
        "powersync-write-api",
    ));
    for file in ["PowerSyncWriteUploader.kt", "ConnectorSdk.kt", "Spec.kt"] {
        assert!(
            write_path.contains(&format!("{sources}/{file}")),
            "{file} missing from {write_path:?}"
        );
    }
    let pom = generate("spec/powersync-write.yaml", "powersync-write-api")
        .into_iter()
        .find(|f| f.path.ends_with("pom.xml"))
        .expect("a pom");
    assert!(pom.contents.contains("<artifactId>core-jvm</artifactId>"));

    let other = generate(
        "generator/tests/fixtures/features/scalars.yaml",
        "feature-scalars",
    );
    let other_names = names(&other);
    assert!(
        other_names
            .iter()
            .all(|n| !n.contains("Connector") && !n.ends_with("/Spec.kt")),
        "{other_names:?}"
    );
    let pom = other
        .iter()
        .find(|f| f.path.ends_with("pom.xml"))
        .expect("a pom");
    assert!(
        !pom.contents.contains("<artifactId>core-jvm</artifactId>"),
        "{}",
        pom.contents
    );
}

#[test]
fn files_are_named_after_their_only_class_and_the_package_after_the_name() {
    let files = names(&generate("spec/powersync-write.yaml", "my-app.api"));
    let sources = "kotlin/src/main/kotlin/my/app/api";
    assert!(files.contains(&format!("{sources}/PowerSyncWriteApiClient.kt")));
    assert!(files.contains(&format!("{sources}/Models.kt")));
    assert!(files.contains(&"kotlin/src/main/resources/my/app/api/operations.json".to_string()));
    let copied = generate("spec/powersync-write.yaml", "my-app.api")
        .into_iter()
        .find(|f| f.path.ends_with("Optional.kt"))
        .expect("the support files are copied");
    assert!(copied.contents.contains("\npackage my.app.api\n"));
    assert!(copied.contents.starts_with("// Generated from"));
}
