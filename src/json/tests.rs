use super::*;

/// Reads `text` with every member kept as `mode` says; the parser is
/// returned to look at what it holds.
fn read_all(text: &str, mode: Keep) -> (Value<'_>, usize) {
    let keep = move |_: &[Cow<'_, str>], _: &[Member<'_>], _: &str| mode;
    let mut p = Parser::at(text, &keep, 0, 1);
    let value = p.value(0, Keep::Build).unwrap();
    (value, p.pool.len())
}

#[test]
fn empty_and_small_objects_hold_no_spare_room() {
    let many = |object: &str| format!("{{\"x\": [{}]}}", vec![object; 1000].join(","));
    // One list per level at most, never one per object: the empty
    // objects' and, when it leaves its checked member out, the top one's.
    for mode in [Keep::Build, Keep::Check, Keep::Ignore] {
        let (_, pooled) = read_all(&many("{}"), mode);
        assert!(pooled <= 2, "{mode:?}: {pooled} key lists pooled");
    }
    let text = many("{\"a\": 1}");
    let (value, _) = read_all(&text, Keep::Build);
    let Some(Value::Array(items)) = value.get("x") else {
        panic!("{value:?}")
    };
    assert_eq!((items.len(), items.capacity()), (1000, 1000));
    for item in items {
        let Value::Object(members) = item else {
            panic!("{item:?}")
        };
        assert_eq!((members.len(), members.capacity()), (1, 1));
    }
    // Objects at the top of the members being built, after a large one.
    let big: Vec<String> = (0..100).map(|i| format!("\"k{i}\": [{i}]")).collect();
    let text = format!(
        "[{{{}}}, {{\"a\": 1}}, [2, {{\"b\": [], \"c\": {{}}}}]]",
        big.join(",")
    );
    let (value, _) = read_all(&text, Keep::Build);
    let Value::Array(items) = &value else {
        panic!("{value:?}")
    };
    let capacities = |v: &Value<'_>| match v {
        Value::Object(m) => (m.len(), m.capacity()),
        Value::Array(a) => (a.len(), a.capacity()),
        _ => (0, 0),
    };
    assert_eq!(
        items.iter().map(capacities).collect::<Vec<_>>(),
        [(100, 100), (1, 1), (2, 2)]
    );
    let Value::Array(last) = &items[2] else {
        panic!("{value:?}")
    };
    assert_eq!(capacities(&last[1]), (2, 2));
    let text = many("{}");
    let (value, _) = read_all(&text, Keep::Build);
    let Some(Value::Array(items)) = value.get("x") else {
        panic!("{value:?}")
    };
    assert!(
        items
            .iter()
            .all(|i| matches!(i, Value::Object(m) if m.capacity() == 0))
    );
}

#[test]
fn a_large_object_keeps_the_stack_and_the_values_around_it_stay_in_place() {
    // `packages` as a lockfile holds it: below a few members, above one.
    let entries: Vec<String> = (0..3000)
        .map(|i| format!("\"k{i}\": {{\"v\": {i}}}"))
        .collect();
    let text = format!(
        "{{\"a\": 1, \"b\": [2], \"big\": {{{}}}, \"z\": {{\"y\": 3}}}}",
        entries.join(",")
    );
    let doc = parse(&text).unwrap();
    let keys = |v: &Value<'_>| -> Vec<String> {
        v.as_object()
            .unwrap()
            .iter()
            .map(|m| m.key.to_string())
            .collect()
    };
    assert_eq!(keys(&doc.value), ["a", "b", "big", "z"]);
    assert_eq!(
        doc.value.get("b"),
        Some(&Value::Array(vec![Value::Number("2")]))
    );
    assert_eq!(
        doc.value.get("z").and_then(|z| z.get("y")),
        Some(&Value::Number("3"))
    );
    let big = doc.value.get("big").unwrap();
    assert_eq!(
        keys(big),
        (0..3000).map(|i| format!("k{i}")).collect::<Vec<_>>()
    );
    for (i, m) in big.as_object().unwrap().iter().enumerate() {
        assert_eq!(m.value.get("v"), Some(&Value::Number(&i.to_string())));
    }
    let Value::Object(big) = big else {
        panic!("{big:?}")
    };
    assert!(big.capacity() <= 2 * big.len(), "{}", big.capacity());
}

#[test]
fn large_objects_above_as_many_values_are_copied_to_their_size() {
    // Each inner object is just larger than the members below it: taking
    // the stack, each would hold room for four times its members.
    let members = |n: usize, v: &str| -> String {
        (0..n)
            .map(|i| format!("\"k{i}\": {v}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let inner = format!("{{{}}}", members(1101, "1"));
    let text = format!(
        "{{{}, \"arr\": [{}]}}",
        members(1100, "0"),
        vec![inner; 3].join(",")
    );
    let doc = parse(&text).unwrap();
    let Some(Value::Array(items)) = doc.value.get("arr") else {
        panic!("no arr")
    };
    for item in items {
        let Value::Object(m) = item else {
            panic!("{item:?}")
        };
        assert_eq!((m.len(), m.capacity()), (1101, 1101));
    }
}

#[test]
fn keeps_key_lines_and_values() {
    let doc = parse("{\n  \"a\": 1,\n  \"b\": {\n    \"c\": [true, null, \"x\"]\n  }\n}").unwrap();
    let b = doc.value.member("b").unwrap();
    assert_eq!(b.line, 3);
    assert_eq!(doc.value.member("a").unwrap().line, 2);
    let c = b.value.get("c").unwrap();
    assert_eq!(
        c,
        &Value::Array(vec![
            Value::Bool(true),
            Value::Null,
            Value::String("x".into())
        ])
    );
}

#[test]
fn unescapes_strings() {
    let doc = parse(r#"["a\"b\\c\/\n\u00e9\ud83d\ude00\u001b", "\ud800x"]"#).unwrap();
    let Value::Array(items) = doc.value else {
        panic!("array expected")
    };
    assert_eq!(items[0].as_str(), Some("a\"b\\c/\né😀\u{1b}"));
    assert_eq!(items[1].as_str(), Some("\u{fffd}x"));
}

#[test]
fn reads_any_space_after_a_colon() {
    let doc =
        parse("{\"a\": 1, \"b\":  2, \"c\":\n3, \"d\":\t4, \"e\":5, \"f\": \n\"x\"}").unwrap();
    let Value::Object(members) = &doc.value else {
        panic!("object expected")
    };
    let values: Vec<_> = members.iter().map(|m| (m.line, m.value.clone())).collect();
    assert_eq!(
        values,
        [
            (1, Value::Number("1")),
            (1, Value::Number("2")),
            (1, Value::Number("3")),
            (2, Value::Number("4")),
            (2, Value::Number("5")),
            (2, Value::String("x".into())),
        ]
    );
    let err = parse("{\"a\": }").unwrap_err();
    assert_eq!((err.line, err.column), (1, 7));
}

#[test]
fn reports_line_and_column() {
    let err = parse("{\n  \"a\": 1\n  \"b\": 2\n}").unwrap_err();
    assert_eq!((err.line, err.column), (3, 3));
    assert!(err.message.contains("expected ','"), "{err}");
    let err = parse("").unwrap_err();
    assert_eq!(err.message, "empty document");
    let err = parse("{\"é\": tru}").unwrap_err();
    assert_eq!((err.line, err.column), (1, 7));
}

#[test]
fn skips_runs_of_spaces_of_any_length_to_the_right_byte() {
    for n in 0..40 {
        let pad = " ".repeat(n);
        let text = format!(
            "{pad}{{\n{pad}\"a\"{pad}:{pad}[{pad}1{pad}]{pad},\t{pad}\n{pad}\"b\": 2{pad}}}{pad}"
        );
        let doc = parse(&text).unwrap();
        assert_eq!(doc.value.member("b").unwrap().line, 3, "{n}");
        let err = parse(&format!("{{\n{pad}\"a\": 1,\n{pad} \"b\" x}}")).unwrap_err();
        assert_eq!((err.line, err.column), (3, n as u32 + 6), "{n}");
        assert!(err.message.contains("expected ':'"), "{err}");
    }
}

#[test]
fn counts_lines_ended_by_cr_lf_or_a_lone_cr() {
    let doc = parse("{\r\n\"a\": 1,\r\"b\": 2}").unwrap();
    assert_eq!(doc.value.member("a").unwrap().line, 2);
    assert_eq!(doc.value.member("b").unwrap().line, 3);
    let err = parse("{\r\"a\": 1\r\"b\"}").unwrap_err();
    assert_eq!((err.line, err.column), (3, 1));
}

#[test]
fn rejects_what_json_rejects() {
    for bad in [
        "{",
        "[1,]",
        "{\"a\" 1}",
        "01",
        "1.",
        "-",
        "\"a\nb\"",
        "\"\\x\"",
        "\"\\u12\"",
        "nul",
        "{} x",
        "[1 2]",
        "{1: 2}",
        "\"\\u+123\"",
    ] {
        assert!(parse(bad).is_err(), "{bad:?} should fail");
    }
}

#[test]
fn refuses_deep_nesting_without_overflow() {
    let deep = "[".repeat(100_000);
    assert_eq!(parse(&deep).unwrap_err().message, "nesting too deep");
}

#[test]
fn notes_duplicate_keys_and_keeps_the_last() {
    let doc = parse("{\"a\": 1,\n\"a\": 2}").unwrap();
    assert_eq!(doc.value.get("a"), Some(&Value::Number("2")));
    assert_eq!(
        doc.duplicate_keys,
        vec![DuplicateKey {
            key: "a".into(),
            line: 2
        }]
    );
}

#[test]
fn skipped_members_are_validated_but_not_built() {
    let skip = |_: &[Cow<str>], _: &[Member], key: &str| {
        if key == "b" {
            Keep::Ignore
        } else {
            Keep::Build
        }
    };
    let doc = parse_with(
        "{\"a\": 1, \"b\": {\"x\": [1, {\"y\": \"\\n\"}]}, \"c\": 2}",
        skip,
    )
    .unwrap();
    assert_eq!(doc.value.get("b"), Some(&Value::Skipped));
    assert_eq!(doc.value.get("c"), Some(&Value::Number("2")));
    let err = parse_with("{\"b\": {\"x\": [1,]}}", skip).unwrap_err();
    assert!(err.message.contains("unexpected character"), "{err}");
}

#[test]
fn checked_members_note_duplicate_keys_at_any_depth_and_ignored_ones_do_not() {
    let text = "{\"p\": {\"e\": {\"deps\": {\"x\": 1, \"x\": 2}, \"v\": [{\"y\": 1,\n\"y\": 2}]}},\n\"old\": {\"z\": 1, \"z\": 2}}";
    let plan = |path: &[Cow<str>], _: &[Member], key: &str| match (path.len(), key) {
        (0, "old") => Keep::Ignore,
        (2, _) => Keep::Check,
        _ => Keep::Build,
    };
    let doc = parse_with(text, plan).unwrap();
    let entry = doc.value.get("p").and_then(|p| p.get("e")).unwrap();
    // Checked members are left out of the object they are in.
    assert_eq!(entry.as_object().map(<[_]>::len), Some(0));
    let keys: Vec<(&str, u32)> = doc
        .duplicate_keys
        .iter()
        .map(|d| (d.key.as_str(), d.line))
        .collect();
    assert_eq!(keys, vec![("x", 1), ("y", 2)]);
    // The same keys, all built: the same duplicates.
    assert_eq!(parse(text).unwrap().duplicate_keys.len(), 3);
}

#[test]
fn a_built_object_that_leaves_checked_members_out_notes_the_same_duplicates() {
    // Repeats between checked and built members, in either order, on one
    // line and across lines, at the top of an object and after built ones.
    let texts = [
        "{\"e\": {\"a\": 1, \"c\": {}, \"a\": 2, \"c\": 3}}",
        "{\"e\": {\"c\": 1,\n\"a\": 2,\n\"c\": {\"x\": 1, \"x\": 2},\n\"a\": 3}}",
        "{\"e\": {\"a\": 1, \"a\": 2, \"c\": 3}, \"f\": {\"c\": 1, \"c\": 2}}",
        "{\"e\": {\"c\": [1], \"b\": 1, \"c\": [2], \"b\": 2, \"c\": [3]}}",
    ];
    let plan = |path: &[Cow<str>], _: &[Member], key: &str| match (path.len(), key) {
        (1, "c") => Keep::Check,
        _ => Keep::Build,
    };
    for text in texts {
        let checked = parse_with(text, plan).unwrap();
        let built = parse(text).unwrap();
        assert_eq!(checked.duplicate_keys, built.duplicate_keys, "{text}");
        let e = checked.value.get("e").unwrap();
        assert!(e.get("c").is_none(), "{text}");
        // The built members are all there, repeats included, in order.
        let kept: Vec<&str> = e
            .as_object()
            .unwrap()
            .iter()
            .map(|m| m.key.as_ref())
            .collect();
        let all: Vec<&str> = built
            .value
            .get("e")
            .unwrap()
            .as_object()
            .unwrap()
            .iter()
            .map(|m| m.key.as_ref())
            .filter(|k| *k != "c")
            .collect();
        assert_eq!(kept, all, "{text}");
    }
}

#[test]
fn agrees_with_serde_json_on_numbers_and_bom() {
    let doc = parse("\u{feff}[-0.5e+3, 0, 12]").unwrap();
    let Value::Array(items) = doc.value else {
        panic!("array expected")
    };
    assert_eq!(items[0], Value::Number("-0.5e+3"));
    assert_eq!(items.len(), 3);
}
