//! cargo-fuzz target: `activscalar_formats::fuzzing::task_rows` must never panic, hang or overallocate.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| activscalar_formats::fuzzing::task_rows(data));
