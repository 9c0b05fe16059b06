//! The engine's one error type. Its `Display` is the message a person reads on the page.

use std::fmt;

/// Everything that can go wrong, worded for the person who made the choice that caused it.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The model spec is invalid; the message names the layer and says what to change.
    Spec(String),
    /// Data (an IDX file, a dataset) is malformed: what was expected and what was found.
    Data(String),
    /// A saved model could not be read back.
    Format(String),
    /// A call that does not fit the engine's current state (no data loaded, wrong image size).
    Usage(String),
}

pub type Result<T> = std::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Spec(m) | Error::Data(m) | Error::Format(m) | Error::Usage(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}
