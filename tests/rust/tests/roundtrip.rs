//! Property: every model value, generated from the spec's types by the crate's
//! `strategies` module, survives encode -> decode unchanged.

#[test]
fn every_model_survives_encode_and_decode() {
    powersync_write_api::strategies::check_all_roundtrips(256).unwrap();
}
