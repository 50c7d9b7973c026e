"""Find side effects, red flags and contraindications in a patient's message, with their context.

A spaCy pipeline on `spacy.blank("en")` (no pretrained model): a sentencizer, then two rule-based
pipes configured from YAML data in this folder, in the manner of medspaCy:
- `clinic_targets` marks findings from lexicon.yml (phrases, word patterns, and "near" pairs such as
  a body part close to a swelling word);
- `clinic_context` marks ConText-style cues from context_rules.yml and works out, for each
  finding, whether it is negated, hypothetical, generic, about someone else, or a treatment goal.
The pipes only describe the message; bot/safety/decision.py decides what to do.
"""


import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import spacy
import yaml
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span

from bot.kinds import Finding
from bot.safety.schema import check_context_rules, check_lexicon

HERE = Path(__file__).resolve().parent
LEXICON = HERE / "lexicon.yml"
CONTEXT_RULES = HERE / "context_rules.yml"
CATEGORY_PRIORITY = {"red_flag": 0, "side_effect": 1, "contraindication": 2}

if not Doc.has_extension("findings"):
    Doc.set_extension("findings", default=[])
if not Doc.has_extension("cues"):
    Doc.set_extension("cues", default=[])  # (kind, words) of each context cue, for explaining a decision
if not Doc.has_extension("deictic"):
    Doc.set_extension("deictic", default=False)  # "is this normal?": something unnamed may be happening


@dataclass
class Mention:
    """One mention of a concept in the message, and what its context says about it: the screen's
    working record, reported outward as a `bot.kinds.Finding`."""

    term: str
    concept: str
    category: str
    severity: str
    start: int
    end: int
    modifiers: set[str] = field(default_factory=set)
    experiencer: str = "unknown"  # first | other | mixed | unknown
    asked_means_general: bool = False
    treatment_goal: bool = False
    history_resolves: bool = False
    applies_to_others: bool = False  # named for someone the writer arranges treatment for (a minor)
    settles: bool = False  # an expected, passing effect: "a bit sore during but fine now" is no report

    def as_finding(self) -> Finding:
        return Finding(term=self.term, category=self.category, concept=self.concept,
                       modifiers=tuple(sorted(self.modifiers | {f"experiencer:{self.experiencer}"})))


def read_yaml(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def phrase_docs(nlp: Language, phrases: Iterable[str]) -> list[Doc]:
    return [nlp.make_doc(normalise(phrase.lower())) for phrase in phrases]


def word_pattern(expression: str) -> dict[str, Any]:
    return {"LOWER": {"REGEX": f"^(?:{expression})$"}}


def any_of(expressions: Iterable[str]) -> str:
    """One regular expression matching what any of `expressions` matches."""
    return "|".join(f"(?:{expression})" for expression in expressions)


def near_patterns(pairs: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """A word of `first` and one of `second` at most `window` words apart (either order unless
    the pair is `ordered`)."""
    patterns = []
    for pair in pairs:
        first = word_pattern("|".join(pair["first"]))
        second = word_pattern("|".join(pair["second"]))
        gap = [{"OP": "?"}] * (int(pair.get("window", 4)) - 1)
        patterns.append([first, *gap, second])
        if not pair.get("ordered"):
            patterns.append([second, *gap, first])
    return patterns


def inside_longer_phrase(span: Span, phrases: list[Span]) -> bool:
    """A term inside a longer listed phrase is part of it: the "sore" of "cold sore" is no pain."""
    return any(inside_longer(span, phrase) for phrase in phrases)


class TargetMatcher:
    """Marks findings from the lexicon; where findings overlap, the more serious category and then
    the longer span wins.

    Word patterns and "near" pairs are matched by two spaCy Matchers. Each regex is a Python call
    per token, so the matching is arranged to make few of them, with the same findings as one
    pattern per word and pair would give:
    - a concept's words are one alternation (the Matcher keeps one match per concept and span);
    - the near pairs are only matched when some word of the message could start a pair and some
      word could end one (one regex each way over all pairs), which most questions fail.
    Word matches span one token and near matches at least two, so matching them apart changes no
    tie in `_rank`."""

    def __init__(self, nlp: Language, lexicon_path: str) -> None:
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.words = Matcher(nlp.vocab)
        self.near = Matcher(nlp.vocab)
        self.exclusions = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.concepts: dict[str, dict[str, Any]] = {}
        lexicon = read_yaml(Path(lexicon_path))
        check_lexicon(lexicon, lexicon_path)
        self.exclusions.add("exclusion", phrase_docs(nlp, lexicon.get("exclusions", [])))
        for concept in lexicon["concepts"]:
            name = concept["name"]
            self.concepts[name] = concept
            if concept.get("phrases"):
                self.phrases.add(name, phrase_docs(nlp, concept["phrases"]))
            if concept.get("words"):
                self.words.add(name, [[word_pattern(any_of(concept["words"]))]])
            if concept.get("near"):
                self.near.add(name, near_patterns(concept["near"]))
        pairs = [pair for concept in lexicon["concepts"] for pair in concept.get("near", [])]
        self.pair_starts = re.compile(f"^(?:{any_of(any_of(pair['first']) for pair in pairs)})$")
        self.pair_ends = re.compile(f"^(?:{any_of(any_of(pair['second']) for pair in pairs)})$")

    def __call__(self, doc: Doc) -> Doc:
        phrases = [Span(doc, start, end, label=match_id) for match_id, start, end in self.phrases(doc)]
        patterns = [Span(doc, start, end, label=match_id) for match_id, start, end in self._pattern_matches(doc)]
        excluded = [(start, end) for _, start, end in self.exclusions(doc)]
        spans = [span for span in [*phrases, *patterns]
                 if not any(span.start < e and s < span.end for s, e in excluded)
                 and not self._followed_by_exception(doc, span)
                 and not inside_longer_phrase(span, phrases)]
        chosen: list[Span] = []
        for span in sorted(spans, key=self._rank):
            if all(span.end <= other.start or span.start >= other.end for other in chosen):
                chosen.append(span)
        doc._.findings = [self._mention(span) for span in sorted(chosen, key=lambda s: s.start)]
        return doc

    def _pattern_matches(self, doc: Doc) -> list[tuple[int, int, int]]:
        matches = self.words(doc) if len(self.words) else []
        if len(self.near) and self._pair_possible(doc):
            matches += self.near(doc)
        return matches

    def _pair_possible(self, doc: Doc) -> bool:
        """Whether the message has a word that starts some near pair and one that ends some pair
        (either way round): without both, no near pattern can match."""
        words = {token.lower_ for token in doc}
        return any(self.pair_starts.search(word) for word in words) and \
            any(self.pair_ends.search(word) for word in words)

    def _followed_by_exception(self, doc: Doc, span: Span) -> bool:
        exception = self.concepts[span.label_].get("unless_followed_by")
        return bool(exception and span.end < len(doc) and re.fullmatch(exception, doc[span.end].lower_))

    def _rank(self, span: Span) -> tuple[int, int, int]:
        category = self.concepts[span.label_]["category"]
        return CATEGORY_PRIORITY[category], -(span.end - span.start), span.start

    def _mention(self, span: Span) -> Mention:
        concept = self.concepts[span.label_]
        severity = "emergency" if concept["category"] == "red_flag" else concept.get("severity", "routine")
        return Mention(term=span.text, concept=span.label_, category=concept["category"],
                       severity=severity, start=span.start, end=span.end,
                       asked_means_general=bool(concept.get("asked_means_general")),
                       treatment_goal=bool(concept.get("treatment_goal")),
                       history_resolves=bool(concept.get("history_resolves")),
                       applies_to_others=bool(concept.get("applies_to_others")),
                       settles=bool(concept.get("settles")))


@dataclass
class Cue:
    kind: str
    start: int
    end: int


def wanted_treated(doc: Doc, sentence: Span, in_sentence: list[Cue], in_message: list[Cue]) -> bool:
    """A treatment-goal cue in the finding's sentence ("can meso help my scars?"), or in a later
    question when neither the finding's sentence nor one before it names a treatment ("I've had
    chickenpox scars since I was a kid. Would meso help soften them?"). Told after a treatment ("Had
    meso on Monday. Now there are dark spots. Can anything fade them?") it stays a report."""
    if any(c.kind == "treatment_target" for c in in_sentence):
        return True
    if any(c.kind == "treatment_reference" and c.start < sentence.end for c in in_message):
        return False
    return any(c.kind == "treatment_target" and c.start >= sentence.end and is_question(doc[c.start].sent)
               for c in in_message)


def avoided(finding: Mention, cues: list[Cue], scope: int) -> bool:
    """What the writer wants to avoid ("avoid any redness or bumps in the photos") is not there. The
    avoiding reaches only to the end of its noun phrase: "avoid any infection in the blisters on my
    cheek" still names the blisters."""
    return any(
        cue.kind == "avoided" and cue.end <= finding.start and finding.start - cue.end <= scope
        and not any(end.kind == "avoided_ends" and cue.end <= end.start < finding.start for end in cues)
        for cue in cues)


# "stopped getting headaches", "stopped getting any migraines": the words a `ceased` cue may have
# between it and the finding it negates.
CEASED_SCOPE = 1


def ceased(finding: Mention, cues: list[Cue]) -> bool:
    """What has stopped happening ("stopped getting headaches") is not there. Only the finding right
    after the cue: "my lip stopped getting blood, it's white" still names the white lip."""
    return any(c.kind == "ceased" and c.end <= finding.start <= c.end + CEASED_SCOPE for c in cues)


def inside_history(cue: Cue, cues: list[Cue]) -> bool:
    """A cue inside a history phrase ("jab" in "a flu jab years ago") is part of that phrase."""
    return cue.kind != "resolved_history" and any(
        other.kind == "resolved_history" and other.start <= cue.start and cue.end <= other.end for other in cues)


class ContextAnnotator:
    """Adds ConText-style modifiers to each finding (see context_rules.yml for the cue lists)."""

    KINDS = ["negation", "post_negation", "pseudo", "terminators", "negation_doubt", "hypothetical",
             "generic", "other_person", "first_person", "treatment_target", "deictic",
             "treatment_reference", "resolved_history", "still_current", "happening_now", "asks_for_help",
             "shows_self", "mild", "settled_after", "long_lasting", "arranges_treatment", "avoided", "avoided_ends",
             "ceased"]

    def __init__(self, nlp: Language, rules_path: str) -> None:
        rules = read_yaml(Path(rules_path))
        check_context_rules(rules, self.KINDS, rules_path)
        self.negation_scope = int(rules["negation_scope"])
        self.post_negation_scope = int(rules["post_negation_scope"])
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for kind in self.KINDS:
            self.matcher.add(kind, phrase_docs(nlp, rules[kind]))

    def __call__(self, doc: Doc) -> Doc:
        cues = self._cues(doc)
        doc._.cues = [(cue.kind, doc[cue.start:cue.end].text) for cue in cues]
        doc._.deictic = any(cue.kind == "deictic" for cue in cues)
        for finding in doc._.findings:
            self._annotate(doc, finding, cues)
        return doc

    def _cues(self, doc: Doc) -> list[Cue]:
        found = [Cue(doc.vocab.strings[match_id], start, end) for match_id, start, end in self.matcher(doc)]
        pseudo = [cue for cue in found if cue.kind == "pseudo"]
        others = [cue for cue in found if cue.kind != "pseudo"]
        # A cue inside a pseudo phrase ("not" in "not sure") or inside a longer other-person cue
        # ("my" in "my sister") is not a cue of its own.
        others = [cue for cue in others if not any(overlaps(cue, p) for p in pseudo)]
        # The writer and a partner together ("me and my husband") are the writer: the other person,
        # the "and" and the "my" inside those words are not cues of their own.
        couples = [cue for cue in others if cue.kind == "first_person"]
        others = [cue for cue in others if not any(inside_longer(cue, c) for c in couples)]
        # "please help" asks for help with what is happening; its "help" is no treatment goal.
        requests = [cue for cue in others if cue.kind == "asks_for_help"]
        others = [cue for cue in others if not (cue.kind == "treatment_target"
                                                and any(overlaps(cue, r) for r in requests))]
        # The writer inside a request made for someone else ("she asked me to message you") is only
        # the messenger, not the person the findings are about.
        people = [cue for cue in others if cue.kind in ("other_person", "asks_for_help")]
        return [cue for cue in others
                if not (cue.kind == "first_person" and any(overlaps(cue, p) for p in people))]

    def _annotate(self, doc: Doc, finding: Mention, cues: list[Cue]) -> None:
        sentence = doc[finding.start].sent
        clause_start, clause_end = self._clause(finding, sentence, cues)
        # Only negation cues inside the finding are ignored: the "n't" of "can't breathe" is part
        # of the finding, but "during pregnancy" still marks a general question.
        near = [cue for cue in cues
                if not (cue.kind in ("negation", "post_negation") and overlaps(cue, finding))]
        # After a finding that is itself a negation ("can't feel my lip at all", "can't swallow at
        # all"), "at all" or "none" intensify it; they cannot undo it.
        negative_finding = any(cue.kind == "negation" and overlaps(cue, finding) for cue in cues)
        in_clause = [cue for cue in near if cue.start >= clause_start and cue.end <= clause_end]
        in_sentence = [cue for cue in near if cue.start >= sentence.start and cue.end <= sentence.end]
        negated = any(c.kind == "negation" and c.end <= finding.start
                      and finding.start - c.end <= self.negation_scope for c in in_clause)
        if negated or avoided(finding, in_clause, self.negation_scope) or ceased(finding, in_clause):
            finding.modifiers.add("negated")
        if not negative_finding and any(c.kind == "post_negation" and c.start >= finding.end
               and c.start - finding.end <= self.post_negation_scope for c in in_clause):
            finding.modifiers.add("negated")
        if any(c.kind == "hypothetical" and c.start < finding.start for c in in_sentence):
            finding.modifiers.add("hypothetical")
        if any(c.kind == "generic" for c in in_sentence):
            finding.modifiers.add("generic")
        if is_question(sentence):
            finding.modifiers.add("question")
        if finding.treatment_goal and wanted_treated(doc, sentence, in_sentence, near):
            finding.modifiers.add("treatment_target")
        kinds_in_sentence = {c.kind for c in in_sentence if not inside_history(c, in_sentence)}
        if "treatment_reference" in kinds_in_sentence:
            finding.modifiers.add("treatment_reference")
        # "My mum had meso here on Saturday. Her face is really swollen now.": the treatment is
        # named in an earlier sentence of the same message.
        if any(c.kind == "treatment_reference" and c.end <= sentence.start and not inside_history(c, near)
               for c in near):
            finding.modifiers.add("treated_earlier_in_message")
        elsewhere = [c for c in near if not (sentence.start <= c.start and c.end <= sentence.end)
                     and not inside_history(c, near)]
        for kind, modifier in (("treatment_reference", "treatment_in_other_sentence"),
                               ("still_current", "current_in_other_sentence")):
            if any(c.kind == kind for c in elsewhere):
                finding.modifiers.add(modifier)
        # "Her face is swollen, what can anyone suggest?": the writer asks what to do about it.
        if any(c.kind == "asks_for_help" for c in near):
            finding.modifiers.add("asks_for_help")
        if any(c.kind == "arranges_treatment" for c in near):
            finding.modifiers.add("arranges_treatment")
        # Long-past history ("on Roaccutane in my 20s") is not a report; a problem after a treatment
        # ("a rash after my treatment, gone now") or a recent stop ("stopped Xarelto two days ago")
        # still is, so only long-past markers count and never beside a treatment reference. For a
        # contraindication the treatment named beside it is the one asked about ("stopped
        # breastfeeding 6 months ago, can I book skin boosters?") or a course of the drug itself,
        # so only a time that is now keeps it current.
        blocking = {"still_current"} if finding.category == "contraindication" else {"still_current",
                                                                                     "treatment_reference"}
        if (finding.history_resolves and "resolved_history" in kinds_in_sentence
                and not kinds_in_sentence & blocking):
            finding.modifiers.add("resolved_history")
        for kind in ("happening_now", "still_current"):
            if kind in kinds_in_sentence:
                finding.modifiers.add(kind)
        # An expected, passing effect told as mild and as over within the same sentence ("it stung a bit
        # during the treatment but it was totally fine", "slight redness for an hour then it went"): the
        # settling words come after it and end the story (nothing after them is happening), the
        # sentence asks nothing, and nothing in it says it goes on or went on for a week or more.
        if (finding.settles and not is_question(sentence) and "mild" in kinds_in_sentence
                and not kinds_in_sentence & {"still_current", "long_lasting"}):
            settled = [c for c in in_sentence if c.kind == "settled_after" and c.start >= finding.end]
            if settled and not any(c.kind == "happening_now" and c.start >= settled[-1].end for c in in_sentence):
                finding.modifiers.add("settled")
        # Told as long past ("my sister had a rash after meso last year - is that common?"): a story,
        # not someone else's problem happening now.
        if "resolved_history" in kinds_in_sentence:
            finding.modifiers.add("told_as_past")
        if (is_question(sentence) and starts_general_question(sentence)
                and not kinds_in_sentence & {"first_person", "other_person", "deictic"}):
            finding.modifiers.add("general_question")
        if "negated" in finding.modifiers and any(c.kind == "negation_doubt" and c.start >= finding.start
                                                  for c in cues):
            finding.modifiers.add("negation_in_doubt")
        finding.experiencer = self._experiencer(finding, in_clause, in_sentence, near)
        # "Are these bumps normal? (photo)": the writer shows it on themself, whichever sentence names it.
        if any(c.kind == "shows_self" for c in near) and finding.experiencer in ("unknown", "first"):
            finding.experiencer = "first"
            finding.modifiers.add("shows_self")
        elif finding.experiencer != "unknown" and not any(
                c.kind in ("first_person", "other_person") for c in in_sentence):
            finding.modifiers.add("person_outside_sentence")

    def _clause(self, finding: Mention, sentence: Span, cues: list[Cue]) -> tuple[int, int]:
        start, end = sentence.start, sentence.end
        for cue in cues:
            if cue.kind != "terminators" or cue.start < sentence.start or cue.end > sentence.end:
                continue
            if cue.end <= finding.start:
                start = max(start, cue.end)
            elif cue.start >= finding.end:
                end = min(end, cue.start)
        return start, end

    @staticmethod
    def _experiencer(finding: Mention, in_clause: list[Cue], in_sentence: list[Cue], in_message: list[Cue]) -> str:
        """The person a finding is about: the one named inside the finding's own words ("I'm 16"),
        else the one its clause, sentence or message names (the nearest when both are named)."""
        inside = [cue for cue in in_clause if overlaps(cue, finding)]
        for scope in (inside, in_clause, in_sentence, in_message):
            kinds = {cue.kind for cue in scope if cue.kind in ("first_person", "other_person")}
            if kinds == {"first_person", "other_person"}:
                if scope is in_clause or scope is inside:
                    return "mixed"
                nearest = min((c for c in scope if c.kind in kinds),
                              key=lambda c: abs(c.start - finding.start))
                return "first" if nearest.kind == "first_person" else "other"
            if kinds:
                return "first" if "first_person" in kinds else "other"
        return "unknown"


QUESTION_STARTS = {"is", "are", "can", "could", "does", "do", "will", "would", "should", "what",
                   "how", "why", "when", "which", "who", "whats", "what's", "any", "anyone"}


# "can barely swallow water", "can feel a lump": a phone-style statement with the "I" left off,
# not a question (without a question mark).
NOT_QUESTION_AFTER_CAN = {"barely", "hardly", "only", "not", "feel", "see", "taste", "smell", "hear", "tell"}


def is_question(sentence: Span) -> bool:
    words = [token.lower_ for token in sentence if not token.is_punct]
    if "?" in sentence.text:
        return True
    if len(words) > 1 and words[0] in ("can", "could") and words[1] in NOT_QUESTION_AFTER_CAN:
        return False
    return bool(words and words[0] in QUESTION_STARTS)


# "can lips swell up after face meso?", "is it possible to faint after the session?": asked about
# the treatment in general, with no one named.
GENERAL_QUESTION_STARTS = QUESTION_STARTS - {"who", "anyone"}
NOT_GENERAL_AFTER_IS = {"this", "that", "these", "those", "it"}


def starts_general_question(sentence: Span) -> bool:
    words = [token.lower_ for token in sentence if not token.is_punct]
    if not words or words[0] not in GENERAL_QUESTION_STARTS:
        return False
    if words[0] == "is" and len(words) > 1 and words[1] in NOT_GENERAL_AFTER_IS:
        return words[1:3] == ["it", "possible"] or words[1:3] == ["it", "common"]
    return True


def overlaps(a: Any, b: Any) -> bool:
    return a.start < b.end and b.start < a.end


def inside_longer(inner: Any, outer: Any) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end and outer.end - outer.start > inner.end - inner.start


@Language.factory("clinic_targets", default_config={"lexicon_path": str(LEXICON)})
def make_target_matcher(nlp: Language, name: str, lexicon_path: str) -> TargetMatcher:
    return TargetMatcher(nlp, lexicon_path)


@Language.factory("clinic_context", default_config={"rules_path": str(CONTEXT_RULES)})
def make_context_annotator(nlp: Language, name: str, rules_path: str) -> ContextAnnotator:
    return ContextAnnotator(nlp, rules_path)


def normalise(text: str) -> str:
    """Straight apostrophes and quotes, so "can’t" matches "can't"."""
    return text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')


@lru_cache(maxsize=1)
def pipeline() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("clinic_targets")
    nlp.add_pipe("clinic_context")
    return nlp


@dataclass
class Analysis:
    text: str
    mentions: list[Mention]
    deictic: bool  # "is this normal?", "it's still there": something unnamed may be happening
    cues: list[tuple[str, str]] = field(default_factory=list)  # (kind, words) from context_rules.yml


def analyse(text: str) -> Analysis:
    doc = pipeline()(normalise(text))
    return Analysis(text=text, mentions=list(doc._.findings), deictic=doc._.deictic, cues=list(doc._.cues))
