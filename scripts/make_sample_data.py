"""Generate the sample customer-service data in ``assets/sample/`` (deterministic, no network).

Messages are built from templates per (intent, sentiment) with slot fillers, so the same words
("card", "order", "account", "charged") occur under several intents and sentiment is carried by
the phrasing rather than by the intent alone. Run: ``python scripts/make_sample_data.py``.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import pandas as pd

from workbench.data.export import write_csv_safe

SEED = 20240611
SIZES = {"train": 400, "test": 120, "unlabelled": 60}
SENTIMENT_WEIGHTS = {"negative": 0.4, "neutral": 0.35, "positive": 0.25}
OUT_DIR = Path(__file__).resolve().parent.parent / "assets" / "sample"

SLOTS = {
    "item": [
        "headphones",
        "a winter jacket",
        "running shoes",
        "a phone case",
        "the coffee machine",
        "a desk lamp",
        "two t-shirts",
        "the blender",
        "a backpack",
        "the kids' bike",
    ],
    "days": ["three days", "five days", "a week", "ten days", "two weeks", "almost a month"],
    "amount": ["$24.99", "$120", "£15", "£89.50", "€42", "$7.30", "£230", "€18.99"],
    "order": ["#A1842", "#B2290", "#C7713", "#D0456", "#K5521", "#M3307"],
    "card": ["debit card", "credit card", "virtual card", "new card", "contactless card"],
    "merchant": ["the supermarket", "a petrol station", "an online shop", "the airline", "a hotel"],
    "agent": [
        "Sam",
        "Priya",
        "the agent on chat",
        "your phone support team",
        "Marco",
        "the lady at the branch",
    ],
    "channel": ["app", "website", "mobile app", "online banking"],
}

NEGATIVE_OPENERS = [
    "This is ridiculous.",
    "Honestly fed up.",
    "Third time asking:",
    "Not happy at all.",
    "Really disappointed.",
    "Unbelievable.",
    "",
]
NEUTRAL_OPENERS = ["Hi,", "Hello,", "Quick question:", "Hi there.", "Good morning,", ""]
POSITIVE_OPENERS = [
    "Thanks for the quick reply earlier!",
    "Hi, hope you're well!",
    "Love the new app, by the way.",
    "You were really helpful last time.",
    "",
]
NEGATIVE_CLOSERS = [
    "Sort it out.",
    "I want an answer today.",
    "Very poor service.",
    "Considering closing my account.",
    "",
]
NEUTRAL_CLOSERS = ["Thanks.", "Regards.", "Let me know.", ""]
POSITIVE_CLOSERS = ["Thanks a lot!", "Appreciate it :)", "Cheers, great service as always.", ""]
WRAPPERS = {
    "negative": (NEGATIVE_OPENERS, NEGATIVE_CLOSERS),
    "neutral": (NEUTRAL_OPENERS, NEUTRAL_CLOSERS),
    "positive": (POSITIVE_OPENERS, POSITIVE_CLOSERS),
}

CORES = {
    ("refund", "negative"): [
        "I returned {item} {days} ago and still no refund.",
        "you promised my {amount} back and it never showed up on my {card}.",
        "the refund for order {order} is missing and nobody answers.",
        "why does a refund of {amount} take {days}?",
        "I cancelled order {order} and you kept my money.",
    ],
    ("refund", "neutral"): [
        "how long does a refund usually take to reach my {card}?",
        "I sent back {item}, when will the {amount} be refunded?",
        "can the refund for order {order} go to a different card?",
        "is the delivery fee refunded too if I return {item}?",
        "what is the status of my refund for order {order}?",
    ],
    ("refund", "positive"): [
        "could you refund {item}? It was a gift and they already had one.",
        "the return label worked great, just checking the {amount} refund is on its way.",
        "nice and easy return of {item}, when should I expect the money back?",
        "happy to send {item} back, how do I get my refund?",
    ],
    ("delivery", "negative"): [
        "my parcel with {item} is {days} late.",
        "the courier marked order {order} as delivered but nothing arrived.",
        "{item} arrived broken and the box was soaked.",
        "tracking for order {order} hasn't moved in {days}.",
        "I paid for express shipping and waited {days}.",
    ],
    ("delivery", "neutral"): [
        "when will order {order} be delivered?",
        "can I change the delivery address for order {order}?",
        "do you deliver {item} on Saturdays?",
        "where can I track my parcel in the {channel}?",
        "is it possible to pick up {item} from a locker instead?",
    ],
    ("delivery", "positive"): [
        "{item} came a day early, could the rest of order {order} ship together?",
        "the driver was lovely! Can I book the same slot for my next order?",
        "super fast delivery of {item}, is there a way to always choose that courier?",
        "got {item} already, when does the second parcel of order {order} arrive?",
    ],
    ("card_problem", "negative"): [
        "my {card} was declined at {merchant} again.",
        "my {card} still hasn't arrived after {days}.",
        "the chip on my {card} stopped working and I was stuck at {merchant}.",
        "someone used my {card} at {merchant}, I didn't make that payment of {amount}.",
        "my PIN is blocked and I can't take out cash.",
    ],
    ("card_problem", "neutral"): [
        "how do I freeze my {card} in the {channel}?",
        "can I change the PIN of my {card}?",
        "does my {card} work abroad?",
        "I think I lost my {card}, how do I order a replacement?",
        "why was a payment of {amount} at {merchant} declined?",
    ],
    ("card_problem", "positive"): [
        "love the design of the {card}! How do I activate it?",
        "the {channel} made freezing my {card} easy, how do I unfreeze it now?",
        "found my {card} in my coat, thank goodness. Can I cancel the replacement?",
        "thanks for blocking the odd payment at {merchant}, can I get a new {card}?",
    ],
    ("account_access", "negative"): [
        "I'm locked out of the {channel} and the reset email never comes.",
        "the verification code keeps failing and I can't log in.",
        "your {channel} logged me out {days} ago and I still can't get back in.",
        "I can't see my account since the update, it just says error.",
        "the password reset link has expired three times.",
    ],
    ("account_access", "neutral"): [
        "how do I reset my password for the {channel}?",
        "can I log in with fingerprint on the {channel}?",
        "I changed my phone number, how do I update two-step verification?",
        "how do I add a second device to my account?",
        "where do I change the email address I use to log in?",
    ],
    ("account_access", "positive"): [
        "the new {channel} login is great, how do I turn on face ID?",
        "got back into my account thanks to your guide, can I also change my username?",
        "thank you for unlocking my account so quickly, how do I stop it happening again?",
        "really like the two-step login, can I use an authenticator app too?",
    ],
    ("billing", "negative"): [
        "I was charged twice for order {order}.",
        "there's a {amount} fee on my statement I never agreed to.",
        "you charged my {card} {amount} after I cancelled the subscription.",
        "my monthly bill went up to {amount} without any notice.",
        "I keep getting overdraft fees even though I had money in the account.",
    ],
    ("billing", "neutral"): [
        "what is the {amount} charge on my statement from {merchant}?",
        "can I get an invoice for order {order}?",
        "when is the monthly account fee taken?",
        "how do I change the card my subscription is billed to?",
        "can I split the payment of {amount} into instalments?",
    ],
    ("billing", "positive"): [
        "thanks for waiving the fee last month! Could you explain the {amount} charge this month?",
        "the new statement layout is much clearer, what is the {amount} line from {merchant}?",
        "great that I can pay in instalments, can I move the next payment of {amount}?",
        "glad the double charge was fixed, will the invoice for order {order} be updated?",
    ],
    ("praise", "positive"): [
        "{agent} sorted out my {card} in minutes, please pass on my thanks.",
        "just wanted to say {agent} was brilliant with my order {order}.",
        "best customer service I've had in years, {agent} was amazing.",
        "the {channel} update is fantastic, so much faster.",
        "{item} arrived beautifully packed, really impressed.",
        "{agent} stayed on the phone until everything worked. Thank you!",
        "five stars for the help with my refund, {agent} was so patient.",
    ],
}


def fill(template: str, rng: random.Random) -> str:
    values = {name: rng.choice(options) for name, options in SLOTS.items() if "{" + name + "}" in template}
    return template.format(**values)


def make_message(intent: str, sentiment: str, rng: random.Random) -> str:
    core = fill(rng.choice(CORES[(intent, sentiment)]), rng)
    openers, closers = WRAPPERS[sentiment]
    opener, closer = rng.choice(openers), rng.choice(closers)
    core = core[0].upper() + core[1:] if not opener or opener.endswith((".", "!", ":")) else core
    return " ".join(part for part in (opener, core, closer) if part)


def pick_label(rng: random.Random) -> tuple[str, str]:
    intents = sorted({intent for intent, _ in CORES})
    intent = rng.choice(intents)
    if intent == "praise":
        return intent, "positive"
    sentiments = list(SENTIMENT_WEIGHTS)
    return intent, rng.choices(sentiments, weights=[SENTIMENT_WEIGHTS[s] for s in sentiments])[0]


def generate(seed: int = SEED) -> dict[str, pd.DataFrame]:
    """Unique messages split into train, test and unlabelled frames (no text in two of them)."""
    rng = random.Random(seed)
    rows: dict[str, tuple[str, str]] = {}
    total = sum(SIZES.values())
    while len(rows) < total:
        intent, sentiment = pick_label(rng)
        rows.setdefault(make_message(intent, sentiment, rng), (sentiment, intent))
    records = [(text, sentiment, intent) for text, (sentiment, intent) in rows.items()]
    rng.shuffle(records)
    frames, start = {}, 0
    for name, size in SIZES.items():
        frame = pd.DataFrame(records[start : start + size], columns=["text", "sentiment", "intent"])
        frames[name] = frame[["text"]] if name == "unlabelled" else frame
        start += size
    return frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder (default assets/sample)")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    for name, frame in generate(args.seed).items():
        path = write_csv_safe(frame, args.out / f"support_{name}.csv")
        print(f"{path}: {len(frame)} rows")


if __name__ == "__main__":
    main()
