//! Custom tasks from pasted text, CSV (header `prompt,correct,wrong`) or JSONL
//! (`{"prompt": …, "correct": …, "wrong": …}` per line). Answers keep their leading spaces.

use crate::error::{CoreError, Result};
use crate::rows::Row;

/// Most rows a custom task may have.
pub const MAX_ROWS: usize = 10_000;

/// Parses `text`, detecting the format: JSONL if the first non-empty line starts with `{`,
/// CSV if it is the header `prompt,correct,wrong`, else one row per line as
/// `prompt | correct | wrong`.
pub fn parse(text: &str) -> Result<Vec<Row>> {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let rows = if first.starts_with('{') {
        parse_jsonl(text)?
    } else if first
        .replace(' ', "")
        .eq_ignore_ascii_case("prompt,correct,wrong")
    {
        parse_csv(text)?
    } else {
        parse_pasted(text)?
    };
    if rows.is_empty() {
        return Err(CoreError::Input("no rows found: expected CSV with header prompt,correct,wrong, JSONL, or lines `prompt | correct | wrong`".into()));
    }
    if rows.len() > MAX_ROWS {
        return Err(CoreError::Input(format!(
            "{} rows; at most {MAX_ROWS} are supported",
            rows.len()
        )));
    }
    Ok(rows)
}

fn parse_jsonl(text: &str) -> Result<Vec<Row>> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str::<Row>(l).map_err(|e| {
                CoreError::Input(format!(
                    "JSONL line {}: {e} (keys: prompt, correct, wrong)",
                    i + 1
                ))
            })
        })
        .collect()
}

fn parse_pasted(text: &str) -> Result<Vec<Row>> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let parts: Vec<&str> = l.split('|').collect();
            match parts.as_slice() {
                [p, c, w] => Ok(Row {
                    prompt: p.trim().to_string(),
                    correct: answer(c),
                    wrong: answer(w),
                }),
                _ => Err(CoreError::Input(format!(
                    "line {}: expected `prompt | correct | wrong`, found {} fields",
                    i + 1,
                    parts.len()
                ))),
            }
        })
        .collect()
}

/// In pasted text, ` | Italy` means the answer " Italy": one leading space is kept.
fn answer(field: &str) -> String {
    format!(" {}", field.trim())
}

fn parse_csv(text: &str) -> Result<Vec<Row>> {
    let records = csv_records(text)?;
    records
        .into_iter()
        .enumerate()
        .skip(1)
        .filter(|(_, r)| !(r.len() == 1 && r[0].trim().is_empty()))
        .map(|(i, r)| match <[String; 3]>::try_from(r) {
            Ok([prompt, correct, wrong]) => Ok(Row {
                prompt,
                correct,
                wrong,
            }),
            Err(r) => Err(CoreError::Input(format!(
                "CSV record {}: expected 3 fields, found {}",
                i + 1,
                r.len()
            ))),
        })
        .collect()
}

/// RFC 4180 records: comma-separated, `"` quotes fields, `""` is a literal quote.
fn csv_records(text: &str) -> Result<Vec<Vec<String>>> {
    let mut records = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(CoreError::Input("CSV: a quoted field is not closed".into()));
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_formats_give_the_same_rows() {
        let want = vec![Row {
            prompt: "Rome is in".into(),
            correct: " Italy".into(),
            wrong: " France".into(),
        }];
        assert_eq!(
            parse("prompt,correct,wrong\nRome is in, Italy, France\n").unwrap(),
            want
        );
        assert_eq!(
            parse("prompt,correct,wrong\r\n\"Rome is in\",\" Italy\",\" France\"\r\n").unwrap(),
            want
        );
        assert_eq!(
            parse(r#"{"prompt":"Rome is in","correct":" Italy","wrong":" France"}"#).unwrap(),
            want
        );
        assert_eq!(parse("Rome is in | Italy | France").unwrap(), want);
    }

    #[test]
    fn bad_input_is_refused_with_a_reason() {
        assert!(parse("").unwrap_err().to_string().contains("no rows"));
        assert!(
            parse("prompt,correct,wrong\na,b\n")
                .unwrap_err()
                .to_string()
                .contains("3 fields")
        );
        assert!(
            parse("{\"prompt\": 1}")
                .unwrap_err()
                .to_string()
                .contains("JSONL line 1")
        );
        assert!(
            parse("prompt,correct,wrong\n\"open,b,c\n")
                .unwrap_err()
                .to_string()
                .contains("not closed")
        );
        assert!(parse("a | b").unwrap_err().to_string().contains("2 fields"));
    }

    #[test]
    fn quoted_commas_and_quotes_survive() {
        let rows = parse("prompt,correct,wrong\n\"He said \"\"hi, there\"\"\", A, B\n").unwrap();
        assert_eq!(rows[0].prompt, "He said \"hi, there\"");
    }
}
