//! Every value conversion of the PostgreSQL persister, on any JSON value (strings
//! especially) and any column type: no panic, bounded output and messages.
#![no_main]

use libfuzzer_sys::fuzz_target;
use powersync_write_server::persist::postgres::convert_value;
use powersync_write_server_fuzz::Case;

fuzz_target!(|data: &[u8]| {
    let Some(case) = Case::decode(data) else {
        return;
    };
    match convert_value(&case.ty, &case.value) {
        Ok(text) => case.check(text.map(|text| text.len()), None),
        Err(message) => case.check(None, Some(&message)),
    }
});
