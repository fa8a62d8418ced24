//! See `biye::fuzzing::ids`: the property lives beside the code, shared with the
//! regression test that replays this target's findings.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| biye::fuzzing::ids(bytes));
