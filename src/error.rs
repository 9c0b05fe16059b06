//! The engine's one error type. A spec's problems are data (a code, the layer, the field) with the
//! words a person reads; the page places them by field and shows the words, never parsing them.

use std::fmt;

use serde::Serialize;

/// Everything that can go wrong, worded for the person who made the choice that caused it.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The model spec is invalid: every problem found, never empty.
    Spec(Vec<Problem>),
    /// Data (an IDX file, a dataset) is malformed: what was expected and what was found.
    Data(String),
    /// A saved model could not be read back.
    Format(String),
    /// A call that does not fit the engine's current state (no data loaded, wrong image size).
    Usage(String),
}

pub type Result<T> = std::result::Result<T, Error>;

/// One thing wrong with a model spec, and where it belongs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// What kind of problem, stable across rewordings ("kernel_too_large").
    pub code: &'static str,
    /// The layer's index in the spec's list, when the problem is one layer's.
    pub layer: Option<usize>,
    /// The spec field to change, as a path in the spec's JSON ("filters", "optimizer.lr",
    /// "batchSize"); "layers" for a problem of the network as a whole.
    pub field: Option<&'static str>,
    /// The whole sentence: the layer it is about, what is wrong, and the hint.
    pub message: String,
    /// What to do about it, when there is a usual fix (also the end of `message`).
    pub hint: Option<String>,
}

impl Problem {
    /// A problem of the spec as a whole, or of one of its top-level fields.
    pub fn new(code: &'static str, field: Option<&'static str>, what: impl fmt::Display, hint: Option<String>) -> Self {
        let message = match &hint {
            Some(h) => format!("{what}; {h}"),
            None => what.to_string(),
        };
        Problem { code, layer: None, field, message, hint }
    }

    /// A problem of layer `index` (0-based), which the message numbers from 1 with its kind:
    /// "layer 3 (conv2d): …".
    pub fn in_layer(
        index: usize,
        kind: &str,
        code: &'static str,
        field: &'static str,
        what: impl fmt::Display,
        hint: Option<String>,
    ) -> Self {
        let mut p = Problem::new(code, Some(field), format!("layer {} ({kind}): {what}", index + 1), hint);
        p.layer = Some(index);
        p
    }
}

impl From<Problem> for Error {
    fn from(p: Problem) -> Self {
        Error::Spec(vec![p])
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Spec(problems) => {
                let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
                f.write_str(&messages.join("\n"))
            }
            Error::Data(m) | Error::Format(m) | Error::Usage(m) => f.write_str(m),
        }
    }
}

impl Error {
    /// The kind as a word for JavaScript ("spec", "data", "format", "usage").
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Spec(_) => "spec",
            Error::Data(_) => "data",
            Error::Format(_) => "format",
            Error::Usage(_) => "usage",
        }
    }
}

impl std::error::Error for Error {}
