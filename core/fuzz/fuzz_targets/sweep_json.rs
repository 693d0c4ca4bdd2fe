//! cargo-fuzz target: `activscalar_types::fuzzing::sweep_json` must never panic, hang or overallocate.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| activscalar_types::fuzzing::sweep_json(data));
