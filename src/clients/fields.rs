//! An entry's fields in the order the client itself writes them (`type`, then `command`, then
//! `args`, ...): `serde_json`'s maps sort their keys, so the order is kept here.

use serde_json::Value;

/// Our entry as one client spells it, keys in the client's order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fields(pub(crate) Vec<(&'static str, Value)>);

impl Fields {
    /// The entry as a JSON object, to compare with what a file holds (order aside).
    pub(crate) fn to_value(&self) -> Value {
        Value::Object(
            self.0
                .iter()
                .map(|(key, value)| (key.to_string(), value.clone()))
                .collect(),
        )
    }
}
