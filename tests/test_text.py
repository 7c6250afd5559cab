"""The text catalogue (grader/text/): complete, the same in every language, and free of solution code."""
import ast
import doctest
import importlib
import re
import shutil

import pytest
from helpers import ROOT

from grader import text
from grader.kata import catalog
from grader.kata.mistakes import MUTANTS

KATA_TESTS = sorted((ROOT / "tests" / "kata").glob("test_*.py"))
LANGUAGES = text.available_languages()
HINT_STEPS = 3


def kata_tests():
    """{test function name: the exercise it grades, or None} for every test in tests/kata."""
    found = {}
    for path in KATA_TESTS:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                graded = None
                for decorator in node.decorator_list:
                    if (isinstance(decorator, ast.Call)
                            and ast.unparse(decorator.func) == "pytest.mark.grades"):
                        graded = decorator.args[0].value
                found[node.name] = graded
    return found


def has_key(key: str, lang: str = "en") -> bool:
    keys = text.all_keys(lang)
    return key in keys or any(k.startswith(key + ".") for k in keys)


def texts_under(prefix: str, lang: str):
    return [_raw(k, lang) for k in sorted(text.all_keys(lang))
            if k == prefix or k.startswith(prefix + ".")]


def _raw(key: str, lang: str) -> str:
    return text._table(lang)[key][0]


# --- complete -------------------------------------------------------------------------
def test_english_is_the_default_and_first_language():
    assert LANGUAGES[0] == "en"


@pytest.mark.parametrize("name", catalog.FUNCTION_NAMES)
def test_every_exercise_has_a_summary_and_exactly_three_hints(name):
    keys = text.all_keys("en")
    assert f"functions.{name}.summary" in keys
    ladder = sorted(k for k in keys if k.startswith(f"functions.{name}.hints."))
    assert ladder == [f"functions.{name}.hints.{n}" for n in range(1, HINT_STEPS + 1)]
    assert len(text.hints(name)) == HINT_STEPS


def test_functions_toml_names_only_exercises():
    named = {k.split(".")[1] for k in text.all_keys("en") if k.startswith("functions.")}
    assert named == set(catalog.FUNCTION_NAMES)


def test_every_mutant_has_its_mistake_and_no_other_mistake_is_written():
    ids = {m.id for m in MUTANTS}
    written = {k.split(".", 1)[1] for k in text.all_keys("en") if k.startswith("mistakes.")}
    assert written == ids
    for mutant in MUTANTS:
        assert f"`{mutant.function}`" in text.mistake(mutant.id), mutant.id


def test_every_kata_test_has_its_checks_entry():
    names = kata_tests()
    assert len(names) > 30  # the parse found the suite
    missing = [name for name in names if not has_key(f"checks.{name}")]
    assert not missing


def test_every_experiment_has_a_title_and_every_notebook_section_an_exercise():
    for experiment in catalog.EXPERIMENTS:
        assert text.say(f"report.experiment_titles.{experiment.name}")
    sections = {k.split(".")[2] for k in text.all_keys("en") if k.startswith("notebook.sections.")}
    assert sections and sections <= set(catalog.FUNCTION_NAMES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_has_exactly_the_keys_and_fields_of_english(lang):
    assert text.all_keys(lang) == text.all_keys("en")
    differ = [k for k in text.all_keys("en") if text.fields(k, lang) != text.fields(k, "en")]
    assert not differ


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_text_is_a_template_that_fills_in(lang, monkeypatch):
    monkeypatch.setenv("KATA_LANG", lang)
    for key in text.all_keys(lang):
        values = {name: 1.5 for name in text.fields(key, lang)}
        assert text.say(key, **values).strip(), key


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_hint_step_says_how_to_go_on_and_how_to_start_over(lang, monkeypatch):
    monkeypatch.setenv("KATA_LANG", lang)
    for name in catalog.FUNCTION_NAMES:
        for level in range(1, HINT_STEPS + 1):
            shown = text.hint(name, level)
            assert text.hints(name)[level - 1] in shown
            assert text.say("hints.reset", function=name) in shown
            follow = "hints.more" if level < HINT_STEPS else "hints.last"
            assert text.say(follow, function=name) in shown
        assert f'hint("{name}", reset=True)' in text.hint(name, 1)


# --- no solution code -----------------------------------------------------------------
MIN_FRAGMENT = 12  # characters, spaces removed: shorter reference lines are too generic to flag
EXTRA_FORBIDDEN = {"linear_gradient": ["2*error", "2*(slope*x+intercept-y)"]}
ALLOWED = {"linear_gradient": ["slope*x+intercept"]}  # the model itself: the contract must state it
RETURN_EXPRESSION = re.compile(r"\breturn\s+(\[|\(|[\w.]+\s*[(\[*+\-/%])")


def normal(value: str) -> str:
    return re.sub(r"[\s`]+", "", value).lower()


def reference_fragments(name: str):
    """The reference body's statements and returned or assigned expressions, normalised."""
    exercise = catalog.BY_NAME[name]
    tree = ast.parse((ROOT / "solutions" / f"{exercise.module}.py").read_text(encoding="utf-8"))
    function = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    body = function.body[1:] if ast.get_docstring(function) else function.body
    fragments = set()

    def visit(statements):
        for statement in statements:
            if isinstance(statement, (ast.If, ast.While)):
                fragments.add(ast.unparse(statement.test))
                visit(statement.body + statement.orelse)
            elif isinstance(statement, ast.For):
                fragments.add(ast.unparse(statement.iter))
                visit(statement.body)
            else:
                fragments.add(ast.unparse(statement))
                value = getattr(statement, "value", None)
                if value is not None:
                    fragments.add(ast.unparse(value))
                    if isinstance(value, ast.Yield) and value.value is not None:
                        fragments.add(ast.unparse(value.value))

    visit(body)
    found = {normal(f) for f in fragments}
    found = {f for f in found if len(f) >= MIN_FRAGMENT} | {normal(f) for f in EXTRA_FORBIDDEN.get(name, [])}
    return found - {normal(f) for f in ALLOWED.get(name, [])}


def solution_code_in(name: str, passage: str, check_return: bool = True):
    """What of the reference solution of `name` the passage gives away, if anything."""
    flat = normal(passage)
    leaks = sorted(f for f in reference_fragments(name) if f in flat)
    if check_return and RETURN_EXPRESSION.search(passage):
        leaks.append("return <expression>")
    return leaks


def test_the_detector_catches_the_hints_this_catalogue_replaced():
    old = {"gradient_step": "Hint: add(v, scalar_multiply(step_size, gradient)).",
           "linear_gradient": "With error = slope * x + intercept - y, it is [2 * error * x, 2 * error].",
           "minibatches": "yield dataset[start:start + batch_size] for each start.",
           "difference_quotient": "The forward quotient: (f(x + h) - f(x)) / h, not a central one.",
           "vector_mean": "return scalar_multiply(1 / len(vectors), vector_sum(vectors))",
           "sum_of_squares": "return dot(v, v)",
           "estimate_gradient": "[partial_difference_quotient(f, v, i, h) for i in range(len(v))]"}
    for name, passage in old.items():
        assert solution_code_in(name, passage), name
    assert not solution_code_in("add", "Return a new list: leave v and w unchanged.")


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", catalog.FUNCTION_NAMES)
def test_no_hint_summary_or_mistake_gives_solution_code(lang, name):
    for passage in texts_under(f"functions.{name}", lang):
        assert not solution_code_in(name, passage), passage
    for mutant in (m for m in MUTANTS if m.function == name):
        passage = _raw(f"mistakes.{mutant.id}", lang)
        assert not solution_code_in(name, passage, check_return=False), passage


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_check_message_gives_solution_code(lang):
    for test_name, graded in kata_tests().items():
        if graded:
            for passage in texts_under(f"checks.{test_name}", lang):
                assert not solution_code_in(graded, passage, check_return=False), (test_name, passage)


def stub(name: str):
    module = importlib.import_module(f"exercises.{catalog.BY_NAME[name].module}")
    return getattr(module, name)


@pytest.mark.parametrize("name", catalog.FUNCTION_NAMES)
def test_stub_docstrings_state_a_contract_and_one_example_without_hints_or_code(name):
    doc = stub(name).__doc__ or ""
    assert "hint" not in doc.lower()
    assert doc.count(">>> ") == 1
    assert not solution_code_in(name, doc), doc


@pytest.mark.parametrize("name", catalog.FUNCTION_NAMES)
def test_stub_examples_are_right_for_the_reference_solution(name):
    solutions = importlib.import_module(f"solutions.{catalog.BY_NAME[name].module}")
    example = doctest.DocTestParser().get_doctest(stub(name).__doc__, vars(solutions), name, None, 0)
    outcome = doctest.DocTestRunner(verbose=False).run(example, out=lambda _: None)
    assert outcome.attempted == 1 and outcome.failed == 0


def test_stubs_state_the_contract_points_the_tests_check():
    def doc(name):
        return " ".join((stub(name).__doc__ or "").split())
    for name in ("add", "subtract", "dot"):
        assert "same length" in doc(name) and "raise an exception" in doc(name)
    assert "empty" in doc("vector_sum") and "same length" in doc("vector_sum")
    for name in catalog.FUNCTION_NAMES:
        if name != "difference_quotient":
            assert "unchanged" in doc(name), name
    assert "forward" in doc("difference_quotient") and "x - h" in doc("difference_quotient")
    assert "0.0001" in doc("estimate_gradient") and "the h you are given" in doc("estimate_gradient")
    assert "negative step_size" in doc("gradient_step")
    assert "[slope, intercept]" in doc("linear_gradient") and "slope first" in doc("linear_gradient")
    for point in ("contiguous", "may be shorter", "shuffle=False", "shuffle=True", "order of the batches",
                  "dataset itself"):
        assert point in doc("minibatches"), point


# --- the lookup -------------------------------------------------------------------------
def test_say_fills_in_fields_and_formats_numbers(monkeypatch):
    monkeypatch.delenv("KATA_LANG", raising=False)
    assert text.say("report.next_implement", function="dot") == "Next: implement `dot`."
    assert "40.0000" in text.say("notebook.fit_result", slope=40, intercept=5,
                                 best_slope=40, best_intercept=5)
    assert text.say("report.next_fix", function="dot", unused="ignored") == "Next: fix `dot`."


def test_kata_lang_switches_the_language(monkeypatch):
    assert "fr" in LANGUAGES
    for value, expected in (("fr", "fr"), ("fr_FR.UTF-8", "fr"), ("FR-fr", "fr"), ("", "en"), ("xx", "en")):
        monkeypatch.setenv("KATA_LANG", value)
        assert text.language() == expected
    monkeypatch.setenv("KATA_LANG", "en")
    english = text.say("report.next_implement", function="dot")
    monkeypatch.setenv("KATA_LANG", "fr")
    french = text.say("report.next_implement", function="dot")
    assert french != english and "`dot`" in french
    french_hints = text.hints("dot")
    monkeypatch.setenv("KATA_LANG", "en")
    assert text.hints("dot") != french_hints
    monkeypatch.setenv("KATA_LANG", "xx")
    assert text.say("report.next_implement", function="dot") == english


def test_a_missing_key_or_field_says_which_and_where(monkeypatch):
    monkeypatch.delenv("KATA_LANG", raising=False)
    with pytest.raises(KeyError, match=r"no text 'report\.no_such_text'.*grader/text/en/report\.toml"):
        text.say("report.no_such_text")
    with pytest.raises(KeyError, match=r"'report\.next_fix' in grader/text/en/report\.toml needs the field "
                                       r"'function'"):
        text.say("report.next_fix")
    with pytest.raises(KeyError, match=r"group of texts.*checks\.test_add_is_commutative\.length"):
        text.say("checks.test_add_is_commutative")
    with pytest.raises(KeyError, match=r"functions\.no_such_function\.hints"):
        text.hints("no_such_function")
    with pytest.raises(KeyError, match=r"mistakes\.no-such-mutant"):
        text.mistake("no-such-mutant")


def test_a_partial_language_falls_back_to_english_key_by_key(tmp_path, monkeypatch):
    shutil.copytree(text.TEXT_DIR / "en", tmp_path / "en")
    (tmp_path / "xx").mkdir()
    (tmp_path / "xx" / "report.toml").write_text('next_fix = "XX `{function}`"\n', encoding="utf-8")
    monkeypatch.setattr(text, "TEXT_DIR", tmp_path)
    text._table.cache_clear()
    text.available_languages.cache_clear()
    try:
        monkeypatch.setenv("KATA_LANG", "xx")
        assert text.language() == "xx"
        assert text.say("report.next_fix", function="dot") == "XX `dot`"
        assert text.say("report.next_implement", function="dot") == "Next: implement `dot`."
        assert text.all_keys("xx") == {"report.next_fix"}
    finally:
        text._table.cache_clear()
        text.available_languages.cache_clear()
