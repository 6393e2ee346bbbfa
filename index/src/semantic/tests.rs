//! The Rust encoder against the generation script: same token ids, same vectors.

use super::model::Model;

struct Case {
    text: String,
    ids: Vec<u32>,
    v256: Vec<f32>,
    v128: Vec<f32>,
}

fn golden() -> Vec<Case> {
    let text = include_str!("../../model/golden.json");
    let golden: serde_json::Value = serde_json::from_str(text).expect("golden.json parses");
    let numbers = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array()
            .expect("a list")
            .iter()
            .map(|n| n.as_f64().expect("a number"))
            .collect()
    };
    golden["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|case| Case {
            text: case["text"].as_str().expect("text").to_string(),
            ids: numbers(&case["ids"])
                .into_iter()
                .map(|n| n as u32)
                .collect(),
            v256: numbers(&case["v256"])
                .into_iter()
                .map(|n| n as f32)
                .collect(),
            v128: numbers(&case["v128"])
                .into_iter()
                .map(|n| n as f32)
                .collect(),
        })
        .collect()
}

#[test]
fn the_encoder_matches_the_generation_script() {
    let full = Model::load(256).expect("the compiled-in model loads");
    let half = Model::load(128).expect("and its 128-d prefix");
    for case in golden() {
        assert_eq!(
            full.ids(&case.text),
            case.ids,
            "token ids of {:?}",
            case.text
        );
        for (model, expected) in [(&full, &case.v256), (&half, &case.v128)] {
            let got = model.embed(&case.text);
            assert_eq!(got.len(), expected.len());
            let off = got
                .iter()
                .zip(expected)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(
                off < 1e-4,
                "{:?} differs by {off} at {} dims",
                case.text,
                got.len()
            );
        }
    }
}

/// As search compares them (catalog IDF weights, the catalog's mean taken out), texts that
/// share no word but mean alike are closer than texts that mean something else.
#[test]
fn meaning_without_shared_words() {
    let model = Model::load(super::DIMS).unwrap();
    let server = |name: &str, description: &str| crate::Document {
        name: name.into(),
        title: name.into(),
        description: description.into(),
        ..crate::Document::default()
    };
    let documents = [
        server("forecast", "Weather forecast for any city"),
        server("git", "Git repository commits and branches"),
        server("chat", "Chat channel messaging for teams"),
        server("sheets", "Spreadsheet cells and formulas"),
        server("maps", "Directions and places on a map"),
        server("pdf", "Convert PDF documents to text"),
    ];
    let vectors = super::Vectors::build(&model, &documents);
    let best = |query: &str| {
        let cosines = vectors.servers(&vectors.query(&model, query));
        let at = (0..cosines.len())
            .max_by(|a, b| cosines[*a].total_cmp(&cosines[*b]))
            .unwrap();
        documents[at].name.clone()
    };
    assert_eq!(best("will it rain in Paris tomorrow"), "forecast");
    assert_eq!(best("send a message to the team"), "chat");
    assert_eq!(best("how do I drive to the airport"), "maps");
}

#[test]
fn identifiers_and_summaries() {
    assert_eq!(super::words_of("get_currentTime"), "get current Time");
    assert_eq!(
        super::first_sentence("Reads a file. Args: path"),
        "Reads a file"
    );
    assert_eq!(
        super::first_sentence("\n  v1.2 release notes\nmore"),
        "v1.2 release notes"
    );
}

#[test]
fn sentences_split_at_their_ends_only() {
    let text = "Read /root/ppt/apple.pptx and v1.2 notes. Then post it to the team; thanks! Ok.\nSend the summary by mail";
    let found: Vec<&str> = super::sentences(text).collect();
    assert_eq!(
        found,
        [
            "Read /root/ppt/apple.pptx and v1.2 notes",
            "Then post it to the team",
            "Send the summary by mail"
        ]
    );
}
