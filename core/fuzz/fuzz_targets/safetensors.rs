//! cargo-fuzz target: `activscalar_formats::fuzzing::safetensors` must never panic, hang or overallocate.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| activscalar_formats::fuzzing::safetensors(data));
