//! See `biye::fuzzing::attachment_upload`: the property lives beside the code, shared with the
//! regression test that replays this target's findings.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| biye::fuzzing::attachment_upload(bytes));
