//! `openapi.yaml` and the registered routes must describe the same API.

use std::collections::BTreeSet;

#[test]
fn openapi_documents_exactly_the_registered_routes() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml"))
        .expect("openapi.yaml at the project root");
    let spec: serde_yaml::Value = serde_yaml::from_str(&text).expect("openapi.yaml parses");
    assert!(
        spec["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "OpenAPI 3.1"
    );
    let methods = ["get", "put", "post", "delete", "patch", "options"];
    let mut documented = BTreeSet::new();
    for (path, item) in spec["paths"].as_mapping().expect("paths") {
        let path = path.as_str().expect("path is text");
        for method in methods {
            if item.get(method).is_some() {
                documented.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    let registered: BTreeSet<String> = kiosk::api::routes()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();

    let undocumented: Vec<_> = registered.difference(&documented).collect();
    let phantom: Vec<_> = documented.difference(&registered).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from openapi.yaml: {undocumented:?}"
    );
    assert!(
        phantom.is_empty(),
        "openapi.yaml documents routes that do not exist: {phantom:?}"
    );
}
