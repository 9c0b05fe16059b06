//! The page reads the engine's limits from `www/state/limits.js`; this keeps that file the engine's
//! table. A stale file is rewritten and the test fails, so the change is seen and committed.

use std::path::Path;

use nn_playground::model::limits::javascript_module;

#[test]
fn the_pages_limits_module_is_the_engines_table() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("www/state/limits.js");
    let want = javascript_module();
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    if have != want {
        std::fs::write(&path, &want).expect("www/state/limits.js can be written");
        panic!("www/state/limits.js was stale and has been rewritten from src/model/limits.rs; commit it");
    }
}
