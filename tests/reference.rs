//! docs/reference.md is generated from the spec types: this test fails when
//! the file differs from the generator; `UPDATE_REFERENCE=1` rewrites it.

use std::path::Path;

#[test]
fn reference_is_generated_from_the_types() {
    let want = podwire::spec::reference_markdown();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/reference.md");
    if std::env::var_os("UPDATE_REFERENCE").is_some() {
        std::fs::write(&path, &want).expect("write docs/reference.md");
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/reference.md is out of date: run `UPDATE_REFERENCE=1 cargo test --test reference`"
    );
}

/// Every field of the schema appears in the reference by its path, and the
/// facts the decoder checks (ranges, enum values, defaults) are stated.
#[test]
fn reference_names_every_field_with_its_rules() {
    let md = podwire::spec::reference_markdown();
    for path in [
        "`apiVersion`",
        "`metadata.labels`",
        "`cluster.nodePools[].accelerator.count`",
        "`cluster.nodePools[].autoscaling.max`",
        "`cluster.nodePools[].taints[].effect`",
        "`workloads[].ports[].port`",
        "`workloads[].resources.ephemeralStorage`",
        "`connections[].from.cidr`",
        "`connections[].ports`",
    ] {
        assert!(md.contains(&format!("| {path} |")), "{path} missing");
    }
    let row = |path: &str| {
        md.lines()
            .find(|l| l.starts_with(&format!("| `{path}` |")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(row("cluster.nodePools[].diskSizeGb").contains("10 to 65536"));
    assert!(row("workloads[].gpus").contains("0 to 16"));
    assert!(
        row("cluster.releaseChannel").contains("`rapid`, `regular`, `stable`, `extended`, `none`")
    );
    assert!(row("cluster.releaseChannel").contains("| regular |"));
    assert!(row("cluster.nodePools[].machineType").contains("*required*"));
    assert!(row("cluster.version").contains("`version: \"1.32\"`"));
    assert!(md.contains("## Limits"));
}
