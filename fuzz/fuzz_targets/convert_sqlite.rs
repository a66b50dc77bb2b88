//! Every value conversion of the SQLite persister, on any JSON value (strings
//! especially) and any column type: no panic, bounded output and messages.
#![no_main]

use libfuzzer_sys::fuzz_target;
use powersync_write_server::persist::sqlite::convert_value;
use powersync_write_server_fuzz::Case;
use rusqlite::types::Value as SqlValue;

fuzz_target!(|data: &[u8]| {
    let Some(case) = Case::decode(data) else {
        return;
    };
    match convert_value(&case.value, &case.ty) {
        Ok(SqlValue::Text(text)) => case.check(Some(text.len()), None),
        Ok(SqlValue::Blob(bytes)) => case.check(Some(bytes.len()), None),
        Ok(_) => {}
        Err(message) => case.check(None, Some(&message)),
    }
});
