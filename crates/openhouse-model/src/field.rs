//! The feed's field names.

use std::fmt;

/// One of the nine fields of an open-house event.
///
/// The discriminant indexes [`crate::RawRecord`]'s slots, so the order here is the order of
/// [`Field::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    OpenHouseKey,
    ListingKey,
    OpenHouseMethod,
    OpenHouseDate,
    OpenHouseStartTime,
    OpenHouseEndTime,
    DateModified,
    State,
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
        match self {
            Field::OpenHouseKey => "OpenHouseKey",
            Field::ListingKey => "ListingKey",
            Field::OpenHouseMethod => "OpenHouseMethod",
            Field::OpenHouseDate => "OpenHouseDate",
            Field::OpenHouseStartTime => "OpenHouseStartTime",
            Field::OpenHouseEndTime => "OpenHouseEndTime",
            Field::DateModified => "DateModified",
            Field::State => "State",
            Field::Zipcode => "Zipcode",
        }
    }

    /// The field a JSON key names; matching is exact, as SQL over the feed's columns would be.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|field| field.name() == name)
    }

    pub(crate) fn slot(self) -> usize {
        self as usize
    }
}

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
    fn names_match_exactly() {
        assert_eq!(Field::from_name("openhousekey"), None);
        assert_eq!(Field::from_name("OpenHouseKey "), None);
    }
}
