//! The feed's field names.

use std::fmt;

/// One of the nine fields of an open-house event.
///
/// The discriminant indexes [`crate::RawRecord`]'s slots, so the order here is the order of
/// [`Field::ALL`]. Serializes as the feed's name (`"OpenHouseKey"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Field {
    /// The open house's identity; deduplication keeps one row per key.
    OpenHouseKey,
    /// The listing the open house belongs to.
    ListingKey,
    /// How the open house is held (`In-Person`, `Virtual`).
    OpenHouseMethod,
    /// The local calendar date of the open house.
    OpenHouseDate,
    /// When it starts, in UTC.
    OpenHouseStartTime,
    /// When it ends, in UTC.
    OpenHouseEndTime,
    /// When the provider last changed the record, in UTC; the latest version wins.
    DateModified,
    /// The property's state.
    State,
    /// The property's ZIP code as given (`94521` or `94521-3711`).
    Zipcode,
}

impl Field {
    /// Every field, in slot order.
    pub const ALL: [Field; 9] = [
        Field::OpenHouseKey,
        Field::ListingKey,
        Field::OpenHouseMethod,
        Field::OpenHouseDate,
        Field::OpenHouseStartTime,
        Field::OpenHouseEndTime,
        Field::DateModified,
        Field::State,
        Field::Zipcode,
    ];

    /// The field's name exactly as the feed spells it.
    pub fn name(self) -> &'static str {
        FIELD_NAMES[self.slot()]
    }

    /// The field a JSON key names; matching is exact, as SQL over the feed's columns would be.
    pub fn from_name(name: &str) -> Option<Field> {
        // A match compiles to a switch on the length and a comparison or two, which matters:
        // every key of every record of a feed goes through here.
        Some(match name {
            "OpenHouseKey" => Field::OpenHouseKey,
            "ListingKey" => Field::ListingKey,
            "OpenHouseMethod" => Field::OpenHouseMethod,
            "OpenHouseDate" => Field::OpenHouseDate,
            "OpenHouseStartTime" => Field::OpenHouseStartTime,
            "OpenHouseEndTime" => Field::OpenHouseEndTime,
            "DateModified" => Field::DateModified,
            "State" => Field::State,
            "Zipcode" => Field::Zipcode,
            _ => return None,
        })
    }

    /// The field's index in [`Field::ALL`].
    pub fn slot(self) -> usize {
        self as usize
    }
}

impl serde::Serialize for Field {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Field {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Field::from_name(&name)
            .ok_or_else(|| serde::de::Error::unknown_variant(&name, &FIELD_NAMES))
    }
}

const FIELD_NAMES: [&str; 9] = [
    "OpenHouseKey",
    "ListingKey",
    "OpenHouseMethod",
    "OpenHouseDate",
    "OpenHouseStartTime",
    "OpenHouseEndTime",
    "DateModified",
    "State",
    "Zipcode",
];

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_slots_follow_all() {
        for (slot, field) in Field::ALL.into_iter().enumerate() {
            assert_eq!(Field::from_name(field.name()), Some(field));
            assert_eq!(field.slot(), slot);
        }
    }

    #[test]
    fn serializes_as_the_feed_name() {
        let json = serde_json::to_string(&Field::DateModified).unwrap();
        assert_eq!(json, "\"DateModified\"");
        assert_eq!(
            serde_json::from_str::<Field>(&json).unwrap(),
            Field::DateModified
        );
        assert!(serde_json::from_str::<Field>("\"datemodified\"").is_err());
    }

    #[test]
    fn names_match_exactly() {
        assert_eq!(Field::from_name("openhousekey"), None);
        assert_eq!(Field::from_name("OpenHouseKey "), None);
    }
}
