//! cargo-fuzz target: `activscalar_types::fuzzing::gguf_model` must never panic, hang or overallocate.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| activscalar_types::fuzzing::gguf_model(data));
