//! Regenerates the committed Factorio API extract:
//!
//! ```text
//! cargo run --bin gen-api -- ../shared/factorio-api/runtime-api.json src/api/runtime-2.0.json
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage: gen-api <runtime-api.json> <extract.json>");
        return ExitCode::from(2);
    };
    let result = std::fs::read_to_string(input)
        .map_err(|e| format!("cannot read {input}: {e}"))
        .and_then(|text| {
            factolint::api::extract::generate(&text).map_err(|e| format!("{input}: {e}"))
        })
        .and_then(|extract| {
            std::fs::write(output, &extract)
                .map(|()| extract.len())
                .map_err(|e| format!("cannot write {output}: {e}"))
        });
    match result {
        Ok(size) => {
            eprintln!("wrote {output} ({size} bytes)");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("gen-api: {message}");
            ExitCode::FAILURE
        }
    }
}
