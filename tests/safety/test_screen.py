"""The safety screen on its own: the reference's hard cases, minimal pairs, and the fail-safe rules."""

import pytest

from bot.language.nlu_examples import read_nlu_examples
from bot.paths import HELD_OUT_NLU
from bot.safety import Opinion, Outcome, screen, screen_by_rules

CASES = [
    # red flags: the emergency line for anyone; a handoff for the patient
    ("I can't breathe and my lips are swelling", Outcome.EMERGENCY),
    ("cant breath properly since the injections", Outcome.EMERGENCY),
    ("My throat feels tight and it's hard to swallow", Outcome.EMERGENCY),
    ("the skin where they injected has gone white and cold", Outcome.EMERGENCY),
    ("I passed out after my session", Outcome.EMERGENCY),
    ("my vision has gone blurry since the under-eye meso", Outcome.EMERGENCY),
    ("the pain is getting worse and worse", Outcome.EMERGENCY),
    ("I've got a fever and the redness is spreading", Outcome.EMERGENCY),
    ("my sister can't breathe after her meso", Outcome.EMERGENCY),  # on her behalf: see below
    ("my friend says she can't breathe", Outcome.OTHER_PERSON_EMERGENCY),
    ("what if I can't breathe?", Outcome.ANSWER_WITH_EMERGENCY_INFO),
    # personal reports, now or in the past
    ("My face has been swollen since the injections yesterday.", Outcome.HANDOFF),
    ("I had a rash after my treatment two weeks ago, it's gone now", Outcome.HANDOFF),
    ("a painful lump came up three weeks after my meso", Outcome.HANDOFF),
    ("Is it normal that my bruises are still purple after two weeks?", Outcome.HANDOFF),
    ("I haven't noticed any bruising, just swelling.", Outcome.HANDOFF),
    # contraindications, current or planned
    ("I'm pregnant, can I still book?", Outcome.HANDOFF),
    ("we're trying for a baby at the moment", Outcome.HANDOFF),
    ("I don't take anything except Eliquis", Outcome.HANDOFF),
    ("I'm starting warfarin next week", Outcome.HANDOFF),
    ("I'm allergic to lidocaine", Outcome.HANDOFF),
    ("I'm only 16", Outcome.HANDOFF),
    ("I'm 78, can I still have meso?", Outcome.HANDOFF),
    ("I have dysphagia", Outcome.HANDOFF),
    ("I'm 80 minutes away from the clinic", Outcome.ANSWER),
    # look-alikes that must not escalate
    ("Is swelling a normal side effect?", Outcome.ANSWER_WITH_CAVEAT),
    ("is bruising normal after meso?", Outcome.ANSWER_WITH_CAVEAT),
    ("I don't have any swelling.", Outcome.ANSWER),
    ("I don't take blood thinners", Outcome.ANSWER),
    ("What if I get an infection?", Outcome.ANSWER_WITH_CAVEAT),
    ("Can pregnant women have mesotherapy?", Outcome.ANSWER_WITH_CAVEAT),
    ("My sister had bruising after mesotherapy.", Outcome.OTHER_PERSON),
    ("My friend got an infection after her injections.", Outcome.OTHER_PERSON),
    ("can meso help my acne scars?", Outcome.ANSWER),
    ("I'm expecting my sister to come with me, is that ok?", Outcome.ANSWER),
    ("I'm running 10 minutes late", Outcome.ANSWER),
    ("how much does it cost?", Outcome.ANSWER),
    # unsure: ask, never answer silently
    ("Never had a rash before but now I do", Outcome.CLARIFY),
    ("not swollen I think, maybe a bit", Outcome.CLARIFY),
    ("is this normal?", Outcome.CLARIFY),
    ("bruising after meso??", Outcome.CLARIFY),
    ("My friend said she bruised and I bruised too", Outcome.HANDOFF),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_outcome(text, expected):
    assert screen(text).outcome == expected


@pytest.mark.parametrize("question, report", [
    ("what if I can't breathe?", "I can't breathe"),
    ("is swelling normal?", "my swelling isn't normal"),
    ("I don't take blood thinners", "I don't take anything except Eliquis"),
    ("my friend bruised after meso", "I bruised after meso"),
    ("can diabetics have mesotherapy?", "I'm diabetic, can I have mesotherapy?"),
])
def test_minimal_pairs(question, report):
    assert not screen(question).hands_off
    assert screen(report).hands_off


def test_red_flags_hand_off_with_emergency_severity_and_the_emergency_line():
    result = screen("my tongue is swelling up")
    assert (result.reason, result.severity, result.emergency_line) == ("emergency", "emergency", True)


@pytest.mark.parametrize("text, severity", [
    ("a painful lump came up three weeks after my meso", "urgent"),
    ("the injection site is oozing pus", "urgent"),
    ("I've got a little bruise on my thigh", "routine"),
    ("I'm pregnant", "routine"),
])
def test_severity_comes_from_the_finding_and_its_timing(text, severity):
    assert screen(text).severity == severity


def test_reasons():
    assert screen("I've got a bruise from the injections").reason == "side_effect"
    assert screen("I'm breastfeeding").reason == "contraindication"


# The patterns issue 12 found missing on real text, in the issue's own words.
REAL_TEXT_PATTERNS = [
    ("my wife had lipolysis shots this afternoon and now she's struggling to breathe", Outcome.EMERGENCY),
    ("messaging on behalf of my husband, he had hair meso here on Saturday and now his scalp is red and oozing",
     Outcome.HANDOFF),
    ("I have little whiteheads at the injection points", Outcome.HANDOFF),
    ("I've got pins and needles in my cheek since the injections", Outcome.HANDOFF),
    ("there's no feeling in one spot, like after the dentist", Outcome.HANDOFF),
    ("my smile looks crooked since the meso", Outcome.HANDOFF),
    ("I'm losing way more hair than before", Outcome.HANDOFF),
    ("I have darker spots since the course", Outcome.HANDOFF),
    ("I can barely get water down", Outcome.EMERGENCY),
    ("my heart beat very fast after the session", Outcome.EMERGENCY),
    ("I fainted after my session", Outcome.EMERGENCY),
    ("I got really ill, couldn't get out of bed", Outcome.EMERGENCY),
    ("I have boils where I was injected and I feel really unwell", Outcome.EMERGENCY),
    ("Thanks for Friday! Just one thing, my jawline still has two hard lumps", Outcome.HANDOFF),
    ("I'm on Pradaxa", Outcome.HANDOFF),
    ("I take clopidogrel", Outcome.HANDOFF),
    ("I'm on tacrolimus after my kidney transplant", Outcome.HANDOFF),
    ("I'm allergic to EMLA", Outcome.HANDOFF),
    ("I've got a cold at the moment", Outcome.HANDOFF),
    ("I have ringworm on my arm where you'd inject", Outcome.HANDOFF),
    ("I have an acne breakout on my chin right now", Outcome.HANDOFF),
    ("I'm 16 and my mum is asking for me", Outcome.HANDOFF),
    ("I'm 16, my mum will come with me, can I book?", Outcome.HANDOFF),  # the age is the writer's own
    ("I had filler in the same area last week", Outcome.HANDOFF),
    ("I came off the pill because we want a baby", Outcome.HANDOFF),
    ("I was on Roaccutane in my 20s, I'm 38 now", Outcome.ANSWER_WITH_CAVEAT),
    ("I stopped breastfeeding 6 months ago", Outcome.ANSWER_WITH_CAVEAT),
    ("I was pregnant last year, all done now, can I book?", Outcome.ANSWER_WITH_CAVEAT),
    ("finished my isotretinoin course 2 months ago", Outcome.HANDOFF),  # still inside the 6-month window
    ("can lips and tongue swell up after face meso?", Outcome.ANSWER_WITH_EMERGENCY_INFO),
    ("is it possible to faint after the session?", Outcome.ANSWER_WITH_EMERGENCY_INFO),
    ("Bruised quite badly from yesterday - is arnica ok to use?", Outcome.HANDOFF),  # a report inside a question
    ("bruised badly, is arnica ok?", Outcome.CLARIFY),  # no time: asked whether it is happening now
    ("still swollen?", Outcome.HANDOFF),  # "still": it is going on now
    # Variants of issue 12's patterns a nurse would read the same way (2026-12-07):
    ("My mum had meso here on Saturday. Her face is really swollen now.", Outcome.HANDOFF),
    ("my wife had her lipo injections with you on friday. she is struggling to breathe", Outcome.EMERGENCY),
    ("my girlfriend had meso on her face yesterday and her eye is swelling shut", Outcome.EMERGENCY),
    ("my face has gone blotchy and my throat feels weird", Outcome.EMERGENCY),
    ("I've got a few spots on my chin at the moment, is that ok for face meso?", Outcome.HANDOFF),
    # From the real-text train pool's misses (2026-12-07), in other words:
    ("the filler is blocking an artery, the nurse thinks", Outcome.EMERGENCY),
    ("since the injections my eyebrow lifts crookedly", Outcome.HANDOFF),
    ("I can't smile all the way since the injections", Outcome.HANDOFF),
    ("when I smile one side doesn't move properly since the fat dissolving", Outcome.HANDOFF),
    ("my hair is coming out in handfuls since the meso", Outcome.HANDOFF),
    ("my sister had hair meso on tuesday and now her scalp is covered in little spots", Outcome.HANDOFF),
    ("we have plans to have a baby next year, is meso still ok?", Outcome.HANDOFF),
    ("I'm a hepatitis B carrier on medication, am I a candidate?", Outcome.HANDOFF),
    ("For my hairline, should I have meso as a 16 year old?", Outcome.HANDOFF),
    # From the real-text dev split's misses, in other words (the test split is never tuned on):
    ("since this morning I've developed breathing problems", Outcome.EMERGENCY),
    ("the skin by my nose is going purple", Outcome.EMERGENCY),
    ("the nurse said a blocked artery could be why", Outcome.EMERGENCY),
    ("my left eyebrow has dropped since the injections", Outcome.HANDOFF),
    ("my eyelids look hooded now", Outcome.HANDOFF),
    ("I use tretinoin every night, is that a problem?", Outcome.HANDOFF),
    ("I have myasthenia gravis", Outcome.HANDOFF),
    ("can meso make my face swell?", Outcome.ANSWER_WITH_CAVEAT),
    ("is it dangerous for someone with lupus to have it?", Outcome.ANSWER_WITH_CAVEAT),
    ("meso made my face swell", Outcome.HANDOFF),
    # From the open hazard-log entries of the train pool and the dev split (2026-12-07, second pass),
    # each rule in other words than the real message:
    ("I felt as if I might pass out any second", Outcome.EMERGENCY),  # a simile, not a supposition
    ("my doctor says I've got botulism from the injections", Outcome.EMERGENCY),
    ("can botox cause botulism?", Outcome.ANSWER_WITH_EMERGENCY_INFO),
    ("I have never seen anything like how swollen my tongue is", Outcome.EMERGENCY),  # an intensifier
    ("my left cheek looks much bigger than the right one", Outcome.HANDOFF),  # swelling by its effect
    ("we paid all that money and it turned out terrible", Outcome.HANDOFF),
    ("months on I'm still having trouble with my jaw", Outcome.HANDOFF),
    ("since the jabs my arms feel weak", Outcome.HANDOFF),
    ("I struggle to hold my head up since my neck botox", Outcome.HANDOFF),
    ("no local anaesthetic for me please", Outcome.HANDOFF),  # asks to go without: an intolerance to check
    ("I have no anaesthetic allergies", Outcome.ANSWER),
    ("the injections were painless", Outcome.ANSWER),
    ("my first reaction was to laugh", Outcome.ANSWER),
    ("I got a migraine after my botox for migraines", Outcome.HANDOFF),
    ("should we avoid it if we have allergies?", Outcome.ANSWER_WITH_CAVEAT),
    ("is it possible to react to something that's already in our bodies?", Outcome.ANSWER_WITH_CAVEAT),
    ("my eyes are puffy in the mornings", Outcome.HANDOFF),  # a side effect at most, not the airway
    ("my eyelids are swelling up", Outcome.EMERGENCY),
    ("with my mouth closed my smile looks uneven", Outcome.HANDOFF),  # a position, not the airway closing
    ("Is mesotherapy painful? I'm a real wimp.", Outcome.ANSWER_WITH_CAVEAT),
    ("my bruising lasted about ten days back then", Outcome.ANSWER_WITH_CAVEAT),
    ("the bruising has lasted about ten days", Outcome.HANDOFF),
    ("the procedure itself is painful but quick", Outcome.ANSWER),
    ("my dad's cheek is all bruised, any advice?", Outcome.HANDOFF),  # asks what to do: on his behalf
    ("Is this much redness normal after meso? Pics attached.", Outcome.HANDOFF),  # shows it on themself
    # A third, unseen round of real messages (2026-12-07) and issue 12's list, each rule in other
    # words than the real message:
    ("ever since the jaw injections I can't smile on one side", Outcome.HANDOFF),  # facial movement lost
    ("I'm unable to smile properly since Friday's filler", Outcome.HANDOFF),
    ("I feel like I've lost my smile after those jabs", Outcome.HANDOFF),
    ("my left eye won't focus since the frown lines were done", Outcome.EMERGENCY),  # vision
    ("it takes real effort to keep my head up since the neck botox", Outcome.HANDOFF),
    ("eating is tiring, chewing feels so difficult after the masseter treatment", Outcome.HANDOFF),
    ("my pulse has been hammering away since the injections", Outcome.EMERGENCY),  # a racing heart
    ("I came over all woozy after the meso", Outcome.EMERGENCY),
    ("I nearly keeled over on the bus home from the clinic", Outcome.EMERGENCY),
    ("I broke out in a cold sweat and went grey in the waiting room", Outcome.EMERGENCY),
    ("I've been bedridden for two days since the lipolysis", Outcome.EMERGENCY),
    # A finding that is itself a negation is intensified by "at all", not undone by it.
    ("there's no sensation in my upper lip, I can't feel it at all since the jabs", Outcome.HANDOFF),
    ("since yesterday's session I cannot swallow at all", Outcome.EMERGENCY),
    ("I can't move my eyebrows at all after the forehead injections", Outcome.HANDOFF),
    ("I had my meso on Monday and the swelling is all gone now", Outcome.ANSWER),  # a positive one still is
    # Bleeding that goes on is reported; a question about a little bleeding is answered.
    ("one of the needle points on my chin keeps bleeding through the plaster", Outcome.HANDOFF),
    ("it's been an hour and the spot on my scalp still won't stop bleeding", Outcome.HANDOFF),
    ("do the injection points usually bleed a little afterwards?", Outcome.ANSWER),
    ("I'm bleeding from a needle mark on my neck and it just won't stop", Outcome.HANDOFF),
    ("has the bleeding stopped by the time I leave the clinic?", Outcome.ANSWER),
    # Lips or fingers turning a colour in other words than the phrase list.
    ("my lips have gone a strange bluish shade", Outcome.EMERGENCY),
    # "You" as the clinic that treated, not a generic "you".
    ("the bumps where you injected are red and itchy today", Outcome.HANDOFF),
    ("the area you injected on my tummy is hot and swollen", Outcome.HANDOFF),
    ("is it normal to bruise where you get injected?", Outcome.ANSWER_WITH_CAVEAT),
    # A cold sore is an active skin problem (a contraindication), not a cold, pale site and not pain.
    ("there's a cold sore on my top lip at the moment, am I still ok for lip meso on Friday?", Outcome.HANDOFF),
    ("my chin feels icy cold since the injections", Outcome.EMERGENCY),
    ("it's cold outside, will that affect healing?", Outcome.ANSWER),
    # A second round of probes in our own words.
    ("my blood won't clot like other people's, it takes ages", Outcome.HANDOFF),  # bleeding disorder
    ("the baby's due in the spring, could I fit a session in before?", Outcome.HANDOFF),  # pregnant
    ("I can feel a hard line under my skin along my jaw", Outcome.HANDOFF),
    ("a month on and I still have the marks from the needles", Outcome.HANDOFF),
    ("the patch on my cheek keeps getting darker", Outcome.HANDOFF),
    ("please ring me, something isn't right with my lips since Tuesday's session", Outcome.HANDOFF),
    ("will my skin get darker after the sessions?", Outcome.ANSWER),
    # A third probe round: an eye swelling shut; heavy bleeding said in the first person.
    ("one side of my face has puffed up and my eye's closing", Outcome.EMERGENCY),
    ("I am bleeding a lot from where the needle went in", Outcome.HANDOFF),
    # Not a body part that will not move.
    ("I can't move my booking to next week, is that ok?", Outcome.ANSWER),
    ("the injected patch is hot and I feel poorly all over", Outcome.EMERGENCY),  # infection spreading
    ("we're trying for our second at the moment", Outcome.HANDOFF),  # trying to conceive in other words
    ("I've been tracking my ovulation this month", Outcome.HANDOFF),
    ("I finished a course of roaccutane years ago", Outcome.ANSWER_WITH_CAVEAT),  # long past, not a report
    ("I gave up breastfeeding six months ago - can I book the hair meso?", Outcome.ANSWER_WITH_CAVEAT),
    ("I used to take warfarin but I'm still on aspirin, can I book meso?", Outcome.HANDOFF),
    ("I stopped breastfeeding last week, can I book skin boosters?", Outcome.HANDOFF),  # not long past
    ("the swelling after my filler went down years ago", Outcome.CLARIFY),  # after a treatment: never lowered to history
    ("a rash after my treatment years ago has come back", Outcome.HANDOFF),
    ("my partner had the fat-melting shots yesterday and she's shivery and burning up", Outcome.EMERGENCY),
    ("I've come down with a stinking cold, is Saturday still on?", Outcome.HANDOFF),  # current illness
    ("I had some tear trough filler on Monday, can I add meso on Thursday?", Outcome.HANDOFF),
    ("my hair is coming away in handfuls since the scalp sessions", Outcome.HANDOFF),
    ("since the jawline injections I struggle to get food down", Outcome.EMERGENCY),
    ("I took isotretinoin as a student and I'm in my forties now", Outcome.ANSWER_WITH_CAVEAT),
    ("Could the jabs make my forehead swell?", Outcome.ANSWER_WITH_CAVEAT),  # asks what could happen
    ("the injections make my face swell every time", Outcome.HANDOFF),  # says what does happen
    ("my brother got hives after his meso last year, does that happen a lot?", Outcome.OTHER_PERSON),  # a story
    ("my aunt had meso last year and her cheek is still swollen", Outcome.HANDOFF),  # still: on her behalf
    ("I started warfarin last year", Outcome.HANDOFF),  # started: current
    ("writing for my nan: since her meso this morning one eye has closed up", Outcome.EMERGENCY),
    ("lovely results, thank you - only a dark purple patch by my nose keeps spreading", Outcome.EMERGENCY),
    ("since the jaw botox I can't open my mouth wide enough to bite an apple", Outcome.HANDOFF),
    ("my cheeks have felt on fire ever since the vitamin jabs", Outcome.HANDOFF),
    ("a couple of the needle marks have become tiny craters", Outcome.HANDOFF),
    ("my right eyelid won't open properly after the frown injections", Outcome.HANDOFF),
    ("my cousin had scalp meso on Friday, her head feels tender and she asked me to contact you", Outcome.HANDOFF),
    ("since the treatment my lips aren't even any more", Outcome.HANDOFF),
    ("my acne has been flaring badly along my jaw this week", Outcome.HANDOFF),  # active acne at the site
    ("can meso fade my acne scars? they look bad in photos", Outcome.ANSWER),  # a treatment goal
    ("I got profhilo in my neck ten days ago", Outcome.HANDOFF),  # a skin booster in the same area
    ("my nephew is 16 and keen on hair meso before his prom", Outcome.HANDOFF),  # a minor, for him
    ("he's 17 - could he book scalp meso with you?", Outcome.HANDOFF),
    ("I'll arrive at 11 am for my meso", Outcome.ANSWER),  # a time, not an age
    ("can a 17 year old have meso?", Outcome.ANSWER_WITH_CAVEAT),  # asked in general
    ("there are floaters and flashes in my eye since the tear trough filler", Outcome.EMERGENCY),
    ("my tongue feels weird and heavy after the lip meso", Outcome.EMERGENCY),
    ("I can't get enough air since the treatment", Outcome.EMERGENCY),
    ("my cheeks are swelling up rapidly", Outcome.EMERGENCY),
    ("the swelling went down fast, is that normal?", Outcome.CLARIFY),  # asked about, not a red flag
    ("I keep being sick since the lipolysis", Outcome.EMERGENCY),
    ("my husband says my words are slurring since the forehead jabs", Outcome.EMERGENCY),
    ("I can't raise my arm above my shoulder since the neck botox", Outcome.HANDOFF),
    ("a dark black scab has appeared on my upper lip", Outcome.EMERGENCY),
    ("since my knee op I inject myself daily to prevent clots", Outcome.HANDOFF),
    ("I'm still nursing my four month old", Outcome.HANDOFF),
    ("there's broken skin on my forehead from a fall", Outcome.HANDOFF),
    ("I'm asking on behalf of my mum: is swelling normal after meso?", Outcome.CLARIFY),  # asked, not a report
]


@pytest.mark.parametrize("text, expected", REAL_TEXT_PATTERNS)
def test_patterns_found_on_real_text(text, expected):
    assert screen(text).outcome == expected


def test_infection_signs_carry_the_emergency_line():
    pus_reports = [
        "there's pus coming out of one of the injection points",
        "I have little whiteheads at the injection points",
    ]
    for text in pus_reports:
        result = screen(text)
        assert (result.outcome, result.severity, result.emergency_line) == (Outcome.HANDOFF, "urgent", True), text


def test_a_report_for_someone_else_is_marked_on_their_behalf():
    assert screen("my wife had lipolysis shots this afternoon and now she's struggling to breathe").on_behalf
    assert screen("My mum had meso here on Saturday. Her face is really swollen now.").on_behalf  # two sentences
    assert not screen("I can't breathe since the injections").on_behalf
    assert not screen("can my mum have it if she's diabetic?").hands_off


def test_a_request_for_advice_about_someone_else_is_on_their_behalf():
    assert screen("my dad's cheek is all bruised, any advice?").on_behalf
    assert screen_by_rules("my dad's cheek is all bruised").outcome == Outcome.OTHER_PERSON


def test_spread_of_the_toxin_and_weakness_far_from_the_site_are_urgent():
    for text in ["since the jabs my arms feel weak", "my voice has been weak and breathy since my botox"]:
        assert screen_by_rules(text).severity == "urgent", text
        assert screen(text).severity in ("urgent", "emergency"), text


def test_the_condition_a_treatment_is_for_is_not_a_reaction_to_it():
    # The learned opinion may still ask; the rules see no finding.
    assert screen_by_rules("I get botox for my migraines every 12 weeks").findings == ()
    assert not screen("I get botox for my migraines every 12 weeks").hands_off


# The fail-safe: a symptom or condition word whose context the screen cannot settle gets the
# yes/no question (or an escalation), never a plain answer.
UNSETTLED = [
    "bruising after meso??",
    "swelling?",
    "lump on my cheek??",
    "numbness after?",
    "can meso fade the dark patches I've had since my last injections?",
    "not swollen I think, maybe a bit",
    "Is mesotherapy painful? I had it yesterday.",
]


@pytest.mark.parametrize("text", UNSETTLED)
def test_an_unsettled_symptom_is_asked_about_never_answered(text):
    assert screen_by_rules(text).outcome >= Outcome.CLARIFY
    assert screen(text).outcome >= Outcome.CLARIFY


def test_a_flu_jab_years_ago_is_history_not_a_report():
    assert not screen("I had a bruise after a flu jab years ago").hands_off


def test_findings_record_term_category_and_modifiers():
    (finding,) = screen_by_rules("I don't have any swelling").findings
    assert (finding.term, finding.category, finding.concept) == ("swelling", "side_effect", "swelling")
    assert "negated" in finding.modifiers


@pytest.mark.parametrize("text", ["", "   ", "😀🙏", "<script>alert(1)</script>", "x" * 10_000, "¿Qué es?"])
def test_odd_input_is_screened_without_error(text):
    assert screen(text).outcome in Outcome


def test_context_never_raises_an_escalation_above_what_the_finding_allows():
    """A negated, hypothetical or general mention is never escalated by its context."""
    for text in ["no swelling at all", "will I bruise?", "is bruising common?", "what if I'm pregnant?"]:
        assert not screen(text).hands_off, text


# The held-out NLU set was written for FAQ topics, with no safety purpose. Only these disclose
# something staff must assess (taking aspirin, blood thinners, an age under 18).
FAQ_SET_DISCLOSURES = ("do I need to stop taking aspirin", "I'm on blood thinners", "I'm 17 and")


def test_plain_faq_questions_are_not_handed_off():
    handed_off = [e.text for e in read_nlu_examples(HELD_OUT_NLU) if screen(e.text).hands_off]
    assert [t for t in handed_off if not t.startswith(FAQ_SET_DISCLOSURES)] == []
    assert len(handed_off) == len(FAQ_SET_DISCLOSURES)


def test_a_term_inside_a_longer_listed_phrase_is_part_of_that_phrase():
    result = screen("I've got a cold sore coming up on my lip, can I still come in tomorrow?")
    assert result.outcome == Outcome.HANDOFF and result.reason == "contraindication" and not result.emergency_line


def test_heavy_bleeding_told_in_the_first_person_is_urgent():
    result = screen("I'm bleeding heavily from the injection site")
    assert result.outcome == Outcome.HANDOFF and result.severity == "urgent"


# A fourth probe round (2026-12-07), written from the clinical reference's red flags and
# contraindications rather than from any set; each rule here in other words than its probe.
FOURTH_ROUND = [
    ("my top lip has gone enormous in the last half hour", Outcome.EMERGENCY),  # lips "massive", "enormous"
    ("think my tongues swelling up", Outcome.EMERGENCY),  # no apostrophe
    ("my cheek is puffing up more every few minutes", Outcome.EMERGENCY),  # growing as they watch
    ("there's a net-like bluish pattern on my forehead", Outcome.EMERGENCY),  # livedo: a blocked vessel
    ("a marbled purplish look has appeared around the injection site", Outcome.EMERGENCY),
    ("swallowing feels really hard since my chin injections", Outcome.EMERGENCY),
    ("the soreness has got a lot worse overnight", Outcome.EMERGENCY),  # worsening pain
    ("the ache is ten out of ten", Outcome.EMERGENCY),
    ("the left side of my face is drooping", Outcome.EMERGENCY),  # a stroke sign
    ("my face feels weak on one side", Outcome.EMERGENCY),
    ("can meso help my sagging face?", Outcome.ANSWER),  # ageing skin, a treatment goal
    ("the needle marks are weeping and I feel fluey", Outcome.EMERGENCY),  # infection with feeling ill
    # A smile or face that no longer moves is never a treatment goal; "please help" asks for help.
    ("my smile looks lopsided after the jabs, please help", Outcome.HANDOFF),
    ("the scars from the lipolysis are awful, please help", Outcome.HANDOFF),
    # The writer and a partner are "we".
    ("my fiance and i are trying to conceive", Outcome.HANDOFF),
    ("me and my husband have been trying for a baby", Outcome.HANDOFF),
    # An age long past is not a minor now.
    ("I took roaccutane in my teens", Outcome.ANSWER_WITH_CAVEAT),
    ("I'm a teen, can I book?", Outcome.HANDOFF),
    # An expected, passing effect told as over; anything still going on is still a report.
    ("a bit of redness went away but now it's back and itchy", Outcome.HANDOFF),
    ("it was sore but fine now, though the lump is still there", Outcome.HANDOFF),
    ("my lips were swollen and bruised for a week, all fine now", Outcome.EMERGENCY),  # not told as mild
    ("my cheek was bruised for a week, all good now", Outcome.HANDOFF),  # not told as mild: a report
    ("no trouble swallowing at all", Outcome.ANSWER),
    # A second batch of probes, written after the first was fixed (each rule in other words):
    ("my bottom lip has doubled since the lip meso", Outcome.EMERGENCY),
    ("the puffiness is spreading to my eye", Outcome.EMERGENCY),  # spreading swelling
    ("my heartbeat has gone haywire since the filler", Outcome.EMERGENCY),
    ("everything's hazy out of my right eye", Outcome.EMERGENCY),  # sight gone hazy or cloudy
    ("my sight is cloudy in one eye since the nose filler", Outcome.EMERGENCY),
    ("is it normal to have dark circles under my eyes?", Outcome.ANSWER),  # "dark" is no vision change
    ("the spot they injected is pale and feels freezing", Outcome.EMERGENCY),  # pale and cold
    ("my words are coming out jumbled", Outcome.EMERGENCY),  # speech changed
    ("I choke on water every time I drink since the neck jabs", Outcome.EMERGENCY),
    ("I've got a zit right where the needle went in", Outcome.HANDOFF),  # a pimple at the site
    ("will i get a zit from the injections?", Outcome.ANSWER_WITH_CAVEAT),
    ("my brow feels so heavy since the forehead injections", Outcome.HANDOFF),
    ("there are bald bits on my crown since the hair meso", Outcome.HANDOFF),
    ("I have coeliac disease and psoriatic arthritis", Outcome.HANDOFF),  # autoimmune
    ("I'm on dialysis three times a week", Outcome.HANDOFF),  # kidney disease
    ("im only 17", Outcome.HANDOFF),  # "im" read as "i" + "m"
    ("it stung a bit during the treatment, fine now", Outcome.ANSWER_WITH_CAVEAT),  # "stung" is pain
    ("the jabs hurt a little and my cheek is still throbbing", Outcome.HANDOFF),  # goes on: a report
    # A third batch of probes, written after the second was fixed (each rule in other words):
    ("my eye went dark for a few seconds when she injected my nose", Outcome.EMERGENCY),  # sight lost
    ("half of my face won't move properly since this afternoon", Outcome.EMERGENCY),  # a stroke sign
    ("I hit the floor in the car park after my session", Outcome.EMERGENCY),  # a collapse
    ("it hurts so much I've been in tears all evening", Outcome.EMERGENCY),  # pain that makes them cry
    ("the pain wasn't bad at all", Outcome.ANSWER),
    ("I've been told I have a murmur", Outcome.HANDOFF),  # a heart condition
    ("I take bisoprolol every morning", Outcome.HANDOFF),
    ("my cheeks still look enlarged a week on", Outcome.HANDOFF),  # swelling by its look
]


@pytest.mark.parametrize("text, expected", FOURTH_ROUND)
def test_fourth_probe_round(text, expected):
    assert screen(text).outcome == expected


@pytest.mark.parametrize("text", [
    "my forehead was a little tender afterwards but it's all fine",
    "a tiny bit of bruising, went away in two days",
    "the jabs hurt a little but honestly worth it",  # the sting of the injections, told as worth it
])
def test_an_expected_effect_told_as_over_is_answered_with_the_offer(text):
    # The rules answer with "if this is happening to you now, tell me"; the learned opinion may ask.
    assert screen_by_rules(text).outcome == Outcome.ANSWER_WITH_CAVEAT
    assert not screen(text).hands_off


def test_a_mild_effect_that_lasted_a_week_or_more_stays_a_report():
    assert screen_by_rules("my forehead was slightly puffy for a fortnight, all fine now").outcome == Outcome.HANDOFF
    assert screen_by_rules("my forehead was slightly puffy for an hour, all fine now").outcome == Outcome.ANSWER_WITH_CAVEAT


@pytest.mark.parametrize("text", [
    "I'd like to book my dad in for scalp meso, he has haemophilia",
    "my girlfriend is keen on skin boosters but she's on methotrexate",
    "could she have it done? my mum takes apixaban",
])
def test_a_contraindication_of_someone_the_writer_arranges_treatment_for_is_handed_off_for_them(text):
    result = screen(text)
    assert (result.outcome, result.on_behalf) == (Outcome.HANDOFF, True)


@pytest.mark.parametrize("text, expected", [
    ("my brother is on warfarin - can I still have meso myself?", Outcome.CLARIFY),  # whose treatment: ask
    ("my partner wants to try meso, she stopped breastfeeding two years ago", Outcome.ANSWER_WITH_CAVEAT),
    ("my aunt takes warfarin", Outcome.OTHER_PERSON),  # no treatment being arranged for her
])
def test_someone_elses_condition_without_treatment_arranged_for_them_is_not_handed_off_for_them(text, expected):
    assert screen(text).outcome == expected


@pytest.mark.parametrize("text", ["I was diagnosed with Sjogren's syndrome", "my sjögren's is under control with meds"])
def test_a_condition_written_with_a_possessive_is_found(text):
    """spaCy splits "'s" off the name, so the lexicon's word must match the name alone."""
    assert screen(text).outcome == Outcome.HANDOFF


# The fifth probe round (2026-12-07): each rule tested in other words than the probe that found it.
FIFTH_ROUND = [
    # red flags
    ("breathing feels strange since the jab", Outcome.EMERGENCY),
    ("it feels odd to breathe and my chest is heavy", Outcome.EMERGENCY),
    ("my whole gob is puffing up", Outcome.EMERGENCY),
    ("the redness is creeping up towards my eye", Outcome.EMERGENCY),
    ("my smile droops on the left since lunch", Outcome.EMERGENCY),
    ("one side has dropped and it feels heavy", Outcome.EMERGENCY),
    ("the left side of my face stopped working an hour ago", Outcome.EMERGENCY),
    ("the patch by my brow is sort of marbled and bluish", Outcome.EMERGENCY),
    ("skins greyish near my top lip", Outcome.EMERGENCY),
    ("the needle mark by my nose has turned dusky and bluey", Outcome.EMERGENCY),
    ("the soreness is about a 9/10 today", Outcome.EMERGENCY),
    ("my talking has gone slow and funny", Outcome.EMERGENCY),
    # reports
    ("my left brow sits higher than the right since the botox", Outcome.HANDOFF),
    ("still got those marks from friday", Outcome.HANDOFF),
    # contraindications
    ("am bf my second baby at the moment", Outcome.HANDOFF),
    ("im ebf, when can I book", Outcome.HANDOFF),
    ("i take warfirin daily", Outcome.HANDOFF),
    ("on rivaroxiban since my clot", Outcome.HANDOFF),
    ("finished my accutaine course last week", Outcome.HANDOFF),
    ("dermatologist put me on isotretnion", Outcome.HANDOFF),
    ("on absorica, can I get my scalp done", Outcome.HANDOFF),
    ("temp of 38.6 today, still ok for my appointment?", Outcome.HANDOFF),
    ("I'm burning up, still ok to come in tomorrow?", Outcome.HANDOFF),
    ("on apixaban, could you do my under eyes?", Outcome.HANDOFF),
    ("going through radiotherapy, do you do skin boosters?", Outcome.HANDOFF),
    ("stopped the pill years ago, now taking clomid", Outcome.HANDOFF),
    ("struggling to take a full breath since lunch", Outcome.EMERGENCY),
    ("heart is going nuts since the jabs", Outcome.EMERGENCY),
    ("the ache is savage tonight", Outcome.EMERGENCY),
    ("bruising day 4??", Outcome.HANDOFF),  # a day counted since the treatment is a time that is now
    ("prengant 6 weeks, still ok?", Outcome.HANDOFF),
    ("pragnant with my second", Outcome.HANDOFF),
    ("on warefarin for years", Outcome.HANDOFF),
    ("my gp put me on clopidogril", Outcome.HANDOFF),
    ("I'm struggling to get the words out since this afternoon", Outcome.EMERGENCY),
    ("feel like I'm gonna go down any second", Outcome.EMERGENCY),
    ("my sight is going in my right eye", Outcome.EMERGENCY),
    ("there's a shadow over my eye since the filler", Outcome.EMERGENCY),
    ("the puffiness has reached my neck", Outcome.EMERGENCY),
    ("redness keeps getting wider around the jab", Outcome.EMERGENCY),
    ("my right hand feels dead and heavy since this morning", Outcome.HANDOFF),
    ("the treated area has a sandpapery feel", Outcome.HANDOFF),
    ("my hair is thinning faster since I started the sessions", Outcome.HANDOFF),
    ("left eye has been streaming since the under eye filler", Outcome.HANDOFF),
    ("I take cod liver oil", Outcome.HANDOFF),
    ("I'm on anastrozole after my surgery", Outcome.HANDOFF),
    ("it feels like I'm choking since the neck jabs", Outcome.EMERGENCY),
    ("can hardly get any water down", Outcome.EMERGENCY),  # "can hardly…" is a statement, not a question
    ("my cheek aches like crazy and keeps getting worse", Outcome.EMERGENCY),
    ("my mouth drooped suddenly while I was eating", Outcome.EMERGENCY),
    ("can feel a hard lump under my chin", Outcome.HANDOFF),
    ("can hardly open my mouth", Outcome.HANDOFF),
    ("the filler in my cheeks feels solid and stiff", Outcome.HANDOFF),
    ("I've got MS, is meso ok?", Outcome.HANDOFF),
    # look-alikes
    ("can you feel lumps after?", Outcome.ANSWER_WITH_CAVEAT),
    ("my lips are hard to fill, my last clinic said", Outcome.ANSWER),
    ("stung minimally during it, highly recommend", Outcome.ANSWER_WITH_CAVEAT),
    ("my eyes water when I chop onions lol", Outcome.ANSWER),
    ("can filler help the shadows under my eyes?", Outcome.ANSWER),
    ("I can't find the words to thank you enough", Outcome.ANSWER),
    ("results are off the charts", Outcome.ANSWER),
    ("I'm booked for day 2 of the course", Outcome.ANSWER),
    ("it was 38 degrees at the beach, can I sunbathe after meso?", Outcome.ANSWER),
    ("my lower lip is a bit thin, can meso help", Outcome.ANSWER),
    ("was on roaccutane years ago, now on nothing", Outcome.ANSWER_WITH_CAVEAT),
    ("nine out of ten people love it, is that true?", Outcome.ANSWER),
    ("can you do meso if you have diabetes?", Outcome.ANSWER_WITH_CAVEAT),
    ("do you do hair meso?", Outcome.ANSWER),
    ("had eczema as a child, not had it since", Outcome.ANSWER_WITH_CAVEAT),
]


@pytest.mark.parametrize("text, expected", FIFTH_ROUND)
def test_fifth_probe_round(text, expected):
    assert screen(text).outcome == expected


@pytest.mark.parametrize("text", [
    "was on apixaban and heparin in the past, now just apixaban",
    "on roaccutane and the pill in the past, now just roaccutane",
])
def test_a_drug_named_as_taken_now_beside_past_ones_stays_current(text):
    assert screen(text).outcome == Outcome.HANDOFF


@pytest.mark.parametrize("text", ["a weak muscle on one side runs in my family, can botox even it out?",
                                  "my dark circles look worse in this light"])  # no facial droop, no vision change
def test_no_word_the_rules_know_but_a_meaning_like_a_report_is_asked_about(text):
    assert screen_by_rules(text).outcome == Outcome.ANSWER and not screen_by_rules(text).findings
    assert screen(text).outcome == Outcome.CLARIFY


@pytest.mark.parametrize("text, handoff, expected", [
    ("what is mesotherapy?", 0.85, Outcome.CLARIFY),  # nothing found: the lower threshold asks
    ("what is mesotherapy?", 0.5, Outcome.ANSWER),
    ("I don't have any swelling.", 0.85, Outcome.ANSWER),  # found and settled as negated: the rules' reading stands
    ("I don't have any swelling.", 0.97, Outcome.CLARIFY),  # …up to the usual threshold
])
def test_the_learned_question_threshold_is_lower_only_where_the_rules_found_nothing(text, handoff, expected):
    assert screen(text, Opinion(handoff=handoff, emergency=0.0)).outcome == expected


# The vocabulary audit: a sample of the drug, brand, condition and lay symptom names added to the lexicon
# after checking each category of the clinical reference (shared/reference/clinical-safety.md 3.2, 3.3, 4.2),
# in wordings other than the ones used to find them; every report here was answered before the additions.
# The look-alikes (a question, a denial, an everyday use of a word) must not be handed off.
VOCABULARY = [
    # anticoagulants, antiplatelets (UK/EU brands, LMWH, abbreviations)
    ("been injecting tinzaparin since my op", Outcome.HANDOFF),
    ("my GP switched me to Innohep last month", Outcome.HANDOFF),
    ("currently on Efient, started it in March", Outcome.HANDOFF),
    ("still taking Sinthrome, is that a problem", Outcome.HANDOFF),
    ("I'm on a DOAC for my heart rhythm", Outcome.HANDOFF),
    ("nurse gave me LMWH jabs to take home", Outcome.HANDOFF),
    # aspirin and NSAIDs
    ("I pop a couple of Anadin most days", Outcome.HANDOFF),
    ("living on Neurofen for my back at the moment", Outcome.HANDOFF),
    ("my rheumatologist has me on Arcoxia", Outcome.HANDOFF),
    ("I use Ponstan for my periods every month", Outcome.HANDOFF),
    ("my GP has me on piroxicam now", Outcome.HANDOFF),
    # supplements
    ("I've been having omega3 capsules daily", Outcome.HANDOFF),
    # bleeding and clotting disorders
    ("I live with Hughes syndrome", Outcome.HANDOFF),
    ("haematologist says I've got sticky blood", Outcome.HANDOFF),
    ("there's protein S deficiency in my family and I have it too", Outcome.HANDOFF),
    # numbing agents
    ("the dentist says I can't have Xylocaine", Outcome.HANDOFF),
    ("I can't have latex at all", Outcome.HANDOFF),
    # pregnancy, trying to conceive, feeding
    ("just a heads up, I'm a mum-to-be", Outcome.HANDOFF),
    ("first tri and really wanting some pampering", Outcome.HANDOFF),
    ("currently in the 2ww after our transfer", Outcome.HANDOFF),
    ("we start ICSI in January", Outcome.HANDOFF),
    ("combi feeding my little girl at the moment", Outcome.HANDOFF),
    ("my body is still lactating", Outcome.HANDOFF),
    # diabetes
    ("I'm T1D and wear a Dexcom", Outcome.HANDOFF),
    ("I'm on gliclazide twice a day", Outcome.HANDOFF),
    ("started Jardiance in the summer", Outcome.HANDOFF),
    ("I inject Trulicity weekly", Outcome.HANDOFF),
    ("Lantus at night and NovoRapid with meals", Outcome.HANDOFF),
    # cancer
    ("I finished Xeloda in May", Outcome.HANDOFF),
    ("started Ibrance in the spring", Outcome.HANDOFF),
    ("I have myeloma but I'm stable", Outcome.HANDOFF),
    ("they found secondaries in my liver last year", Outcome.HANDOFF),
    # heart and stroke
    ("I take ramipril and amlodipine for my pressure", Outcome.HANDOFF),
    ("cardiologist has me on flecainide", Outcome.HANDOFF),
    ("I've had SVT for years", Outcome.HANDOFF),
    ("I had a brain bleed in 2021", Outcome.HANDOFF),
    # under 18
    ("I'm in 11th grade, can I come after school", Outcome.HANDOFF),
    ("I'm still in secondary school but look older", Outcome.HANDOFF),
    # autoimmune, immunosuppressants, biologics, steroids
    ("I inject Stelara every 8 weeks", Outcome.HANDOFF),
    ("my dermatologist put me on Dupixent", Outcome.HANDOFF),
    ("currently taking Rinvoq for my RA", Outcome.HANDOFF),
    ("I have infusions of Ocrevus", Outcome.HANDOFF),
    ("I'm on hydroxychloroquine for my joints", Outcome.HANDOFF),
    ("the doctor gave me a course of steroids on Monday", Outcome.HANDOFF),
    ("Imuran makes me tired but I have to take it", Outcome.HANDOFF),
    ("had SLE since I was 20", Outcome.HANDOFF),
    # retinoids
    ("started acitretin a few months back", Outcome.HANDOFF),
    ("I put Differin on every night", Outcome.HANDOFF),
    # active skin problems
    ("got folliculitis on my thighs right now", Outcome.HANDOFF),
    ("I'm covered in chickenpox", Outcome.HANDOFF),
    ("my exzema is really bad on my neck", Outcome.HANDOFF),
    # recent treatments by brand
    ("had Sculptra on Friday in my temples", Outcome.HANDOFF),
    ("got my Morpheus8 done 5 days ago", Outcome.HANDOFF),
    ("had Dysport in my forehead on Tuesday", Outcome.HANDOFF),
    # side effects and red flags in lay words
    ("my neck looks like I'm covered in hickeys after the meso", Outcome.HANDOFF),
    ("there's a pea sized thing in my cheek where you injected", Outcome.HANDOFF),
    ("one of the holes is festering", Outcome.HANDOFF),
    ("I've got a spock brow from the botox", Outcome.HANDOFF),
    ("getting electric shocks in my cheek since the jabs", Outcome.HANDOFF),
    ("my breath is whistling since the treatment", Outcome.EMERGENCY),
    ("I had a vasovagal in the car park after my session", Outcome.EMERGENCY),
    ("got a right shiner since the under eye meso", Outcome.HANDOFF),
    ("my chin feels hot and tight since the meso", Outcome.HANDOFF),
    ("I keep seeing flashes of light since the filler", Outcome.EMERGENCY),
    ("I feel choky since the neck botox", Outcome.EMERGENCY),
    ("been on monjaro since June", Outcome.HANDOFF),
    # look-alikes: a question, a denial, an everyday use of the word
    ("can people on Dupixent have meso?", Outcome.ANSWER_WITH_CAVEAT),
    ("is Xeloda a problem for mesotherapy?", Outcome.ANSWER_WITH_CAVEAT),
    ("I don't take Trulicity or anything like it", Outcome.ANSWER),
    ("I'm not on ramipril any more, never was actually", Outcome.ANSWER),
    ("do you offer Morpheus8 as well?", Outcome.ANSWER),
    ("I had a look at your Sculptra prices", Outcome.ANSWER),
    ("does meso help water retention in the legs?", Outcome.ANSWER),
    ("I'm expressing an interest in the course", Outcome.ANSWER),
    ("I teach 11th grade, can I book after school?", Outcome.ANSWER),
    ("can filler migrate?", Outcome.ANSWER_WITH_CAVEAT),
    ("the waiting room feels hot, can I open a window?", Outcome.ANSWER),
]


@pytest.mark.parametrize("text, expected", VOCABULARY)
def test_vocabulary_of_drug_brand_condition_and_symptom_names(text, expected):
    assert screen(text).outcome == expected


# The sixth probe round (2026-12-07): longer, forum-style messages with the report or the risk told in
# passing. Each rule is tested here in other words than the probe that found it.
SIXTH_ROUND = [
    # batch 1
    ("just found out our baby is on its way, can I still have my booster?", Outcome.HANDOFF),
    ("Looking at scalp meso for my son, he's self-conscious about his hairline. He's 15, what would you recommend?",
     Outcome.HANDOFF),  # a minor, with the treatment named in another sentence
    ("I cannot tolerate novocaine, so is the treatment possible without it?", Outcome.HANDOFF),
    ("I'm breastfeeding her every few hours, is lip meso ok?", Outcome.HANDOFF),  # the baby is no other person
    ("I'm feeding her myself still, is lip meso ok?", Outcome.HANDOFF),
    ("next thing I knew I was waking up on the ground outside", Outcome.EMERGENCY),  # a faint
    ("then everything turned dark around the edges", Outcome.EMERGENCY),
    ("my smile is slipping down on the right since this afternoon", Outcome.EMERGENCY),  # a stroke sign
    ("since the jaw botox the left side won't lift when I grin", Outcome.HANDOFF),
    ("Gave up breastfeeding eighteen months ago, can I book skin boosters?", Outcome.ANSWER_WITH_CAVEAT),
    # a treatment goal asked about in the next sentence, the first naming no treatment
    ("I've got pitted marks on my chin from years of picking. Would a meso course help smooth them?", Outcome.ANSWER),
    ("I've got pitted marks on my chin since the meso. Would a peel help smooth them?", Outcome.HANDOFF),
    # batch 2
    ("I must say I take clopidogrel, is that ok for lip meso?", Outcome.HANDOFF),  # telling, not supposing
    ("my puppy has a lump on his back, the vet is checking it", Outcome.OTHER_PERSON),  # a pet is no patient
    ("my colleague got lumps from her meso, which made me wary of it", Outcome.OTHER_PERSON),
    ("I can only see half of the page with my right eye", Outcome.EMERGENCY),  # part of the view missing
    ("my mouth keeps pulling to the left when I talk since the chin jabs", Outcome.HANDOFF),
    ("eye's been weepy since the tear trough meso", Outcome.HANDOFF),
    ("brown specks have appeared where the needle went in", Outcome.HANDOFF),
    # an adrenaline pen carried for an allergy is the allergy, not one being used
    ("I've been prescribed an EpiPen for my nut allergy, is meso still possible?", Outcome.HANDOFF),
    ("I used my epipen ten minutes ago", Outcome.EMERGENCY),
    # batch 3
    ("my periods are a week overdue and I'm booked in Friday", Outcome.HANDOFF),
    ("sitting my A levels in June, can I get my skin done before prom?", Outcome.HANDOFF),  # likely under 18
    ("still expressing for my son who was premature, is the booster safe?", Outcome.HANDOFF),
    ("I'm feeding my daughter myself, is meso ok?", Outcome.HANDOFF),  # the child fed is no other person
    ("I'm still breastfeeding my son, can I book?", Outcome.HANDOFF),
    ("loads of hairs in the drain after every wash since the scalp sessions", Outcome.HANDOFF),
    ("my parting has widened since starting hair meso", Outcome.HANDOFF),
    ("my knees buckled in the car park just after the jabs", Outcome.EMERGENCY),  # a faint
    ("I'm seeing two of the TV since my brow botox", Outcome.EMERGENCY),  # double vision
    ("my left lid won't stay open properly since the forehead jabs", Outcome.HANDOFF),
    ("my lip on the side she did is still numb", Outcome.HANDOFF),  # "she" is the practitioner
    ("I'm hoping to avoid any bruising before my holiday, any tips?", Outcome.ANSWER),  # avoided: not there
    ("how do I avoid any more bruising on my chin?", Outcome.HANDOFF),  # more of what is there
    ("I'm trying to avoid scratching the itchy patches on my arm", Outcome.HANDOFF),  # avoided: the scratching
    # the avoiding reaches only to the end of its noun phrase
    ("how can I avoid any infection in the blisters on my cheek?", Outcome.HANDOFF),
    ("I want to avoid any scarring from the open sore on my chin", Outcome.HANDOFF),
    ("I was told to avoid aspirin but I take it for my heart", Outcome.HANDOFF),  # told to avoid: still taken
    # batch 4
    ("My partner and I are both booked for Saturday. He's on warfarin, I'm not on anything.", Outcome.HANDOFF),
    ("I've had a metal taste since the vitamin jabs", Outcome.HANDOFF),
    ("since the scalp session there's a fizzing sensation whenever I brush over it", Outcome.HANDOFF),  # a nerve
    ("I keep seeing sparkles in my left eye since the temple injections", Outcome.EMERGENCY),
    ("there's a shimmering zigzag at the edge of everything I look at", Outcome.EMERGENCY),
    ("do you use flash for the before photos? my eyes are sensitive", Outcome.ANSWER),  # a camera flash
    ("a little sting during it but gone within a few hours, lovely team", Outcome.ANSWER_WITH_CAVEAT),
    ("I burn quite easily so what SPF should I use after the treatment?", Outcome.ANSWER),  # sunburn-prone skin
    ("I hate the sting of needles, can you use numbing cream?", Outcome.ANSWER),  # the needle's sting disliked
    # batch 5
    ("I take a NOAC for my heart rhythm, is the scalp treatment ok?", Outcome.HANDOFF),
    ("had my dating scan last week, all good, can I still come for my booster?", Outcome.HANDOFF),
    ("my platelets have dropped again according to my last bloods", Outcome.HANDOFF),
    ("she's in year 8 and desperate for skin boosters like mine", Outcome.HANDOFF),  # a minor, for them
    ("on wegovy since spring, still ok for lipo jabs?", Outcome.HANDOFF),  # "still ok for": the writer's plan
    ("my rheumatologist has me on oral steroids", Outcome.HANDOFF),
    ("Has anyone had meso whilst on accutane? I'm halfway through my course.", Outcome.HANDOFF),
    ("has anyone else had lumps come up weeks after their sessions?", Outcome.CLARIFY),  # "else": maybe theirs
    ("Has anyone had bruising after meso?", Outcome.ANSWER_WITH_CAVEAT),  # a general question stays one
    ("my lids have started to look saggy since the forehead jabs", Outcome.HANDOFF),
    ("she said I looked as white as a ghost when I stood up after the session", Outcome.EMERGENCY),  # a faint
    ("my speech feels thick since the jaw botox", Outcome.EMERGENCY),
    ("my left eye won't shut fully since the brow jabs", Outcome.HANDOFF),
    ("my GP says my blood pressure is spot on, so can I book?", Outcome.ANSWER),  # a result told as good
    ("I've had these brown patches since my pregnancy, would meso lighten them?", Outcome.CLARIFY),  # no pregnancy now
    # batch 6
    ("I had radiation on my jaw last spring, is face meso ok?", Outcome.HANDOFF),
    ("we're doing assisted conception at the moment, can I still have skin boosters?", Outcome.HANDOFF),
    ("had laser resurfacing on my cheeks last week, can I do face meso on Friday?", Outcome.HANDOFF),
    ("been on blood-thinning medication since my op", Outcome.HANDOFF),
    ("my son's 16th is in May and he wants hair meso like mine", Outcome.HANDOFF),  # a coming birthday
    ("I react badly to latex, do your nurses wear latex gloves?", Outcome.HANDOFF),
    ("I can't take soya, is there any in the cocktail?", Outcome.HANDOFF),
    ("im 28 weeks now, is scalp meso safe?", Outcome.HANDOFF),  # weeks of a pregnancy
    ("I'm 6 weeks post op from my knee, can I book?", Outcome.ANSWER),  # weeks since something else
    ("my grandad is 79 and would like to book the hair meso", Outcome.HANDOFF),
    ("I've got a mechanical valve, is meso safe for me?", Outcome.HANDOFF),
    ("my voice sounds muffled since the neck jabs", Outcome.EMERGENCY),
    ("the mark is black in the middle now", Outcome.EMERGENCY),
    ("everything sounded far away in the waiting room", Outcome.EMERGENCY),  # about to faint
    ("I've had trouble finding my words since this afternoon", Outcome.EMERGENCY),
    ("I can't find my words to say how happy I am!", Outcome.ANSWER),
    ("whenever I swallow there's a tight feeling since the chin fat jabs", Outcome.EMERGENCY),
    ("I keep coughing when I eat since the jawline meso", Outcome.EMERGENCY),
    ("my scalp feels like sunburn since the session", Outcome.HANDOFF),
    ("is postpartum hair loss something hair meso helps with?", Outcome.ANSWER),  # a treatment goal
    ("my left nostril looks narrower since the nose meso", Outcome.HANDOFF),
    ("I've got almost black hair, will the hair meso still work?", Outcome.ANSWER),
    ("the clinic sounds far away from my house, is there a bus?", Outcome.ANSWER),
    ("my mouth tastes metallic since the vitamin jabs", Outcome.HANDOFF),
    ("the coffee in reception tastes of metal lol", Outcome.ANSWER),  # no mouth, no report
    ("I love the zigzag pattern on your website", Outcome.ANSWER),  # zigzags only as seen
    ("there's a blind spot when reversing into your car park", Outcome.ANSWER),
    ("half of what I see on Instagram about meso is nonsense, is it really that good?", Outcome.ANSWER),
    ("my eyes get watery in the wind, should I wear glasses after under eye meso?", Outcome.ANSWER),
    ("the blind won't stay up in the treatment room", Outcome.ANSWER),
    # look-alikes of the rules above, checked after the batches
    ("my baby is on the way to nursery with her dad so I can come at 10", Outcome.ANSWER),  # a journey
    ("I'm pregnant to be honest, can I still book?", Outcome.HANDOFF),  # the journey exception is not pregnancy's
    ("I keep a curtain over my window so it's dark when I sleep after", Outcome.ANSWER),
    ("my face looked like it was melting in the heat on the walk over, haha", Outcome.ANSWER),
    ("I woke up and the floor was soaking from the leak, so I'm running late", Outcome.ANSWER),  # no faint
    ("my legs go blotchy in the cold, is that ok for cellulite meso?", Outcome.HANDOFF),  # blotchy, not a faint
    # a treatment named before the finding's sentence keeps a later "can anything fade them?" a report
    ("Had meso on Monday. Now there are dark spots on my cheek. Can anything fade them?", Outcome.HANDOFF),
]


@pytest.mark.parametrize("text, expected", SIXTH_ROUND)
def test_sixth_probe_round(text, expected):
    if expected == Outcome.ANSWER and not screen_by_rules(text).findings:
        # A look-alike the rules find nothing in: the learned opinion may still ask about it
        # (clarify_when_rules_find_nothing), but never hand off or give the emergency line.
        result = screen(text)
        assert result.outcome in (Outcome.ANSWER, Outcome.CLARIFY) and not result.emergency_line
    else:
        assert screen(text).outcome == expected


def test_someone_who_only_noticed_it_does_not_make_the_writers_problem_theirs():
    # "my husband noticed" names an observer; the eyelid is the writer's (the rules alone asked).
    assert screen_by_rules("my husband noticed my eyelid is drooping since the botox").outcome == Outcome.HANDOFF
    assert screen_by_rules("my husband noticed his lips swelling after his meso").outcome == Outcome.OTHER_PERSON_EMERGENCY


def test_a_parents_permission_counts_as_under_18_only_for_a_treatment():
    assert screen("mum says I can have the skin boosters if I pay half").outcome == Outcome.HANDOFF
    assert not screen_by_rules("my mum says I can borrow her car to get there").hands_off


# The fourth real screening round (2026-12-07), once scored unseen and then added to the train pool:
# its missed red flags and reports, each rule tested in other words than the message that showed it.
@pytest.mark.parametrize("text, expected", [
    ("since the jabs I'm barely able to breathe properly", Outcome.EMERGENCY),
    ("I'm less able to swallow than yesterday since the botox", Outcome.EMERGENCY),
    ("the nurse said the filler had blocked a vessel in my nose", Outcome.EMERGENCY),
    ("my left eyelid keeps twitching since the forehead botox", Outcome.HANDOFF),
    ("a little twitch started in my lower lid two days after the injections", Outcome.HANDOFF),
    ("does botox stop eye twitching?", Outcome.ANSWER_WITH_CAVEAT),
    ("is it normal for the eye to twitch after botox?", Outcome.ANSWER_WITH_CAVEAT),
])
def test_fourth_real_round_patterns(text, expected):
    assert screen(text).outcome == expected


# Look-alikes from the real-text dev data and pool (2026-12-07), each rule in other words than the
# message that showed it, beside a nearby report in the same pattern that must still be handed off.
def test_what_has_stopped_happening_is_no_report():
    text = "my husband had stopped getting migraines until his botox wore off"
    assert screen_by_rules(text).outcome == Outcome.ANSWER and not screen(text).hands_off
    assert screen("I stopped getting headaches after the botox but my eyelid has drooped since").outcome == Outcome.HANDOFF
    # It reaches only the finding right after it, never past a comma.
    assert screen("my lip stopped getting blood, it's white").outcome == Outcome.EMERGENCY


def test_the_look_of_a_result_is_no_sign_that_someone_elses_problem_is_happening_now():
    text = "my cousin was bruised for days after her lip filler and hated the fake look of it"
    assert screen_by_rules(text).outcome == Outcome.OTHER_PERSON and not screen(text).hands_off
    assert screen("my cousin had lip filler and her lips look bruised and swollen now").hands_off
    assert screen("my mum had meso, she hates the look of the bruising on her cheek").hands_off


def test_a_mild_sting_told_as_fleeting_beside_good_results_is_answered_with_the_offer():
    text = "the needles sting a little, but the sting is fleeting and the results are great"
    assert screen_by_rules(text).outcome == Outcome.ANSWER_WITH_CAVEAT and not screen(text).hands_off
    assert screen("the jabs hurt a bit but the results are amazing and my cheek is sore today").outcome == Outcome.HANDOFF


def test_a_mild_effect_that_always_quickly_goes_is_answered_with_the_offer():
    text = "I get a little redness after each session, which quickly disappears"
    assert screen_by_rules(text).outcome == Outcome.ANSWER_WITH_CAVEAT and not screen(text).hands_off
    assert screen("I get a little redness after each session, which quickly disappears but keeps coming back").hands_off


# The seventh real screening round (2026-12-07), scored unseen and then added to the train pool: the
# words of its missed reports, each tested in other words than the message that showed it.
@pytest.mark.parametrize("text, expected", [
    ("since the jabs I've had visual changes in my left eye", Outcome.EMERGENCY),
    ("a visual disturbance started an hour after my forehead botox", Outcome.EMERGENCY),
    ("I've had generalized weakness all week since my botox", Outcome.HANDOFF),
    ("weak all over and tired since the second round of injections", Outcome.HANDOFF),
    ("my cheeks look splotchy and purple since the filler yesterday", Outcome.EMERGENCY),
    ("my face went splotchy after the meso this morning", Outcome.HANDOFF),
    ("is general weakness a side effect of botox?", Outcome.ANSWER_WITH_CAVEAT),
    ("took a piriton an hour ago, hoping it goes down by tonight", Outcome.HANDOFF),
    ("how long until the swelling goes down usually?", Outcome.ANSWER_WITH_CAVEAT),
])
def test_seventh_real_round_patterns(text, expected):
    assert screen(text).outcome == expected


# Probes in our own words (2026-12-07) while reviewing the look-alike rules: feeling and periods that
# have stopped were no finding at all.
@pytest.mark.parametrize("text, expected", [
    ("she stopped getting feeling in her lip after the filler", Outcome.HANDOFF),
    ("I lost the feeling in my chin two days ago after the jabs", Outcome.HANDOFF),
    ("I stopped getting my period since the lipo injections", Outcome.HANDOFF),
    ("I haven't had my period for 6 weeks, can I still come on Friday?", Outcome.HANDOFF),
    ("my periods stopped years ago with menopause, can I have meso?", Outcome.ANSWER),
])
def test_feeling_or_a_period_that_has_stopped_is_found(text, expected):
    assert screen(text).outcome == expected
