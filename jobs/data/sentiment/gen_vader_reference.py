"""Regenerate vader_reference.tsv: sentences scored by the reference vaderSentiment 3.3.2.

The Rust port (jobs/src/sentiment) must reproduce these scores exactly with
`Analyzer::vader_only()`. The sentences are the package's own demo sentences
plus seeded random sentences that exercise every rule (boosters, negation,
"no", "never so", "without doubt", "least", "kind of", special idioms, "but",
ALL CAPS, punctuation, emoticons and emoji).

    pip download --no-deps vaderSentiment==3.3.2 -d /tmp/vader
    cd /tmp/vader && python3 -m zipfile -e vaderSentiment-3.3.2-py2.py3-none-any.whl x
    PYTHONPATH=/tmp/vader/x python3 gen_vader_reference.py > vader_reference.tsv
"""

import random
import sys

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
)

DEMO = [
    "VADER is smart, handsome, and funny.",
    "VADER is smart, handsome, and funny!",
    "VADER is very smart, handsome, and funny.",
    "VADER is VERY SMART, handsome, and FUNNY.",
    "VADER is VERY SMART, handsome, and FUNNY!!!",
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "VADER is not smart, handsome, nor funny.",
    "The book was good.",
    "At least it isn't a horrible book.",
    "The book was only kind of good.",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "Today SUX!",
    "Today only kinda sux! But I'll get by, lol",
    "Make sure you :) or :D today!",
    "Catch utf-8 emoji such as \U0001f498 and \U0001f48b and \U0001f601",
    "Not bad at all",
    "Sentiment analysis has never been good.",
    "Sentiment analysis has never been this good!",
    "Most automated sentiment analysis tools are shit.",
    "With VADER, sentiment analysis is the shit!",
    "Other sentiment analysis tools can be quite bad.",
    "On the other hand, VADER is quite bad ass",
    "VADER is such a badass!",
    "Without a doubt, excellent idea.",
    "Roger Dodger is one of the most compelling variations on this theme.",
    "Roger Dodger is at least compelling as a variation on the theme.",
    "Roger Dodger is one of the least compelling variations on this theme.",
    "Not such a badass after all.",
    "Without a doubt, an excellent idea.",
    "It was one of the worst movies I've seen, despite good reviews.",
    "Unbelievably bad acting!!",
    "Poor direction.",
    "VERY poor production.",
    "The movie was bad.",
    "Very bad movie.",
    "VERY BAD movie!",
    "balloons", "cake", "candles", "happy birthday", "friends", "laughing",
    "smiling", "party", "riot", "fire", "fight", "blood", "mob", "war",
    "police", "tear gas",
    "", "   ", "!!!", "?", "no", "No no no", "but", "good but", "but good",
    "good good but good good", "bad but bad", "great, good but good, great",
    "I can't stand it", "fed up", "screwed up and fed up",
]

FILLER = ("the a it is was this that i you we they to of and or nor at very so "
          "least kind sort just enough never without doubt no not but only "
          "bus stop yeah right kiss death die for beating heart bomb shit "
          "bad ass of the tool course training team today again still").split()

EMOTICONS = [":)", ":(", ":D", ":-)", ";)", ":/", ":P", "<3", "</3", ":'(", "xD", "XD", "^_^"]

PUNCT_AFTER = ["", "", "", "", ",", ".", "!", "!!", "!!!!!", "?", "??", "????", "...", "?!"]


def main():
    rng = random.Random(20240601)
    analyzer = SentimentIntensityAnalyzer()
    lexicon_words = sorted(w for w in analyzer.lexicon if " " not in w)
    emoji = sorted(analyzer.emojis)
    boosters = sorted(BOOSTER_DICT)
    negators = sorted(NEGATE)
    specials = sorted(SPECIAL_CASES)

    def word():
        r = rng.random()
        if r < 0.30:
            return rng.choice(lexicon_words)
        if r < 0.45:
            return rng.choice(boosters)
        if r < 0.55:
            return rng.choice(negators)
        if r < 0.60:
            return rng.choice(specials)
        if r < 0.64:
            return rng.choice(EMOTICONS)
        if r < 0.68:
            return rng.choice(emoji)
        if r < 0.70:
            return rng.choice(["caf\u00e9", "\u00c9NORME", "na\u00efve", "\u00fcber", "stra\u00dfe", "\u0130stanbul"])
        return rng.choice(FILLER)

    def shape(w):
        r = rng.random()
        if r < 0.12:
            w = w.upper()
        elif r < 0.17:
            w = w.capitalize()
        return w + rng.choice(PUNCT_AFTER)

    sentences = list(DEMO)
    seen = set(sentences)
    while len(sentences) < 2500:
        n = rng.randint(1, 14)
        words = [shape(word()) for _ in range(n)]
        # Glue an emoji to a neighbour now and then: the emoji translation's
        # spacing rules differ for glued and spaced emoji.
        if rng.random() < 0.1:
            words.insert(rng.randint(0, len(words)), rng.choice(emoji) + rng.choice(emoji))
        s = " ".join(words)
        if rng.random() < 0.05:
            s = s.replace(" ", "  ", 1)
        if s not in seen and "\t" not in s and "\n" not in s:
            seen.add(s)
            sentences.append(s)

    out = sys.stdout
    out.write("# Generated by gen_vader_reference.py with vaderSentiment 3.3.2; do not edit.\n")
    out.write("# sentence\tneg\tneu\tpos\tcompound\n")
    for s in sentences:
        vs = analyzer.polarity_scores(s)
        out.write("%s\t%r\t%r\t%r\t%r\n" % (s, vs["neg"], vs["neu"], vs["pos"], vs["compound"]))


if __name__ == "__main__":
    main()
