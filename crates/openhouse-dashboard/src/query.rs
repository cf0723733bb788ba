//! The page's query string: `?from=YYYY-MM-DD&to=YYYY-MM-DD&top=N`.

use std::fmt;

use openhouse_model::{Date, parse_date};

/// Which open houses the page shows and how many zip-code ranks: the parsed query string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DashboardQuery {
    /// The first `OpenHouseDate` shown; `None` from the first day of the table.
    pub from: Option<Date>,
    /// The last `OpenHouseDate` shown; `None` to the last day of the table.
    pub to: Option<Date>,
    /// Zip-code ranks kept (ties at the cut are all kept).
    pub top: u64,
}

impl Default for DashboardQuery {
    fn default() -> Self {
        DashboardQuery {
            from: None,
            to: None,
            top: DashboardQuery::DEFAULT_TOP,
        }
    }
}

impl DashboardQuery {
    /// The zip-code ranks shown when the query does not say, as the insights example does.
    pub const DEFAULT_TOP: u64 = 5;
    /// The most zip-code ranks a page shows: a chart of more bars is no longer readable.
    pub const MAX_TOP: u64 = 100;

    /// Parses a URL query string (the part after `?`, percent-encoded as forms send it).
    /// An empty value means "not given", as an empty form field sends it. Unknown and
    /// repeated parameters are errors, so that a typo is not silently ignored.
    pub fn parse(query: &str) -> Result<Self, QueryError> {
        let mut parsed = DashboardQuery::default();
        let mut seen: Vec<String> = Vec::new();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let error = |problem| QueryError {
                parameter: name.to_string(),
                value: value.to_string(),
                problem,
            };
            if seen.iter().any(|earlier| *earlier == name) {
                return Err(error(QueryProblem::Repeated));
            }
            seen.push(name.to_string());
            if value.is_empty() && ["from", "to", "top"].contains(&&*name) {
                continue;
            }
            match &*name {
                "from" => {
                    parsed.from =
                        Some(parse_date(&value).map_err(|_| error(QueryProblem::NotADate))?)
                }
                "to" => {
                    parsed.to = Some(parse_date(&value).map_err(|_| error(QueryProblem::NotADate))?)
                }
                "top" => {
                    parsed.top = value
                        .parse::<u64>()
                        .ok()
                        .filter(|top| (1..=DashboardQuery::MAX_TOP).contains(top))
                        .ok_or_else(|| error(QueryProblem::NotARankCount))?
                }
                _ => return Err(error(QueryProblem::Unknown)),
            }
        }
        if let (Some(from), Some(to)) = (parsed.from, parsed.to)
            && from > to
        {
            return Err(QueryError {
                parameter: "to".to_owned(),
                value: to.to_string(),
                problem: QueryProblem::BeforeFrom(from),
            });
        }
        Ok(parsed)
    }

    /// The query string that gives this query back (empty for the default page).
    pub fn to_query_string(&self) -> String {
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        if let Some(from) = self.from {
            serializer.append_pair("from", &from.to_string());
        }
        if let Some(to) = self.to {
            serializer.append_pair("to", &to.to_string());
        }
        if self.top != DashboardQuery::DEFAULT_TOP {
            serializer.append_pair("top", &self.top.to_string());
        }
        serializer.finish()
    }
}

/// A query parameter the page cannot answer, and why: what a 400 page says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("parameter {parameter:?} = {value:?}: {problem}")]
pub struct QueryError {
    /// The parameter's name, as sent.
    pub parameter: String,
    /// Its value, as sent (decoded).
    pub value: String,
    /// What is wrong with it.
    pub problem: QueryProblem,
}

/// What is wrong with a query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryProblem {
    /// `from` or `to` is not a real `YYYY-MM-DD` date.
    NotADate,
    /// `top` is not a whole number from 1 to [`DashboardQuery::MAX_TOP`].
    NotARankCount,
    /// `to` is before `from` (which is this date).
    BeforeFrom(Date),
    /// The parameter appears more than once.
    Repeated,
    /// The page has no such parameter.
    Unknown,
}

impl fmt::Display for QueryProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryProblem::NotADate => f.write_str("not a YYYY-MM-DD calendar date"),
            QueryProblem::NotARankCount => write!(
                f,
                "not a whole number from 1 to {}",
                DashboardQuery::MAX_TOP
            ),
            QueryProblem::BeforeFrom(from) => write!(f, "before from ({from})"),
            QueryProblem::Repeated => f.write_str("given more than once"),
            QueryProblem::Unknown => f.write_str("not a parameter of this page (from, to, top)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(query: &str) -> (String, QueryProblem) {
        let error = DashboardQuery::parse(query).unwrap_err();
        (error.parameter, error.problem)
    }

    #[test]
    fn a_full_query_is_parsed() {
        let query = DashboardQuery::parse("from=2024-05-01&to=2024-05-31&top=3").unwrap();
        assert_eq!(query.from.unwrap().to_string(), "2024-05-01");
        assert_eq!(query.to.unwrap().to_string(), "2024-05-31");
        assert_eq!(query.top, 3);
        assert_eq!(
            query.to_query_string(),
            "from=2024-05-01&to=2024-05-31&top=3"
        );
    }

    #[test]
    fn empty_and_missing_values_mean_the_defaults() {
        assert_eq!(
            DashboardQuery::parse("from=&to=&top=").unwrap(),
            DashboardQuery::default()
        );
        assert_eq!(DashboardQuery::parse("").unwrap().top, 5);
    }

    #[test]
    fn each_bad_parameter_is_named_with_its_problem() {
        assert_eq!(
            problem("from=2024-02-30"),
            ("from".into(), QueryProblem::NotADate)
        );
        assert_eq!(
            problem("to=yesterday"),
            ("to".into(), QueryProblem::NotADate)
        );
        assert_eq!(
            problem("top=0"),
            ("top".into(), QueryProblem::NotARankCount)
        );
        assert_eq!(
            problem("top=-1"),
            ("top".into(), QueryProblem::NotARankCount)
        );
        assert_eq!(
            problem("top=101"),
            ("top".into(), QueryProblem::NotARankCount)
        );
        assert_eq!(
            problem("top=2&top=3"),
            ("top".into(), QueryProblem::Repeated)
        );
        assert_eq!(problem("zip=94521"), ("zip".into(), QueryProblem::Unknown));
    }

    #[test]
    fn a_range_that_ends_before_it_starts_is_refused() {
        let (parameter, problem) = problem("from=2024-06-01&to=2024-05-01");
        assert_eq!(parameter, "to");
        assert_eq!(problem.to_string(), "before from (2024-06-01)");
    }

    #[test]
    fn percent_encoded_values_are_decoded() {
        let query = DashboardQuery::parse("from=2024%2D05%2D01").unwrap();
        assert_eq!(query.from.unwrap().to_string(), "2024-05-01");
    }
}
