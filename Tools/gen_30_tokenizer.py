"""Token ids from open_clip.tokenize for a wide set of texts (Tests/Fixtures/tokenizer/cases.json).

Texts whose result depends on ftfy's mojibake repair (re-decoding mis-decoded Latin-1) are left out and
counted: that repair is the documented gap of the Swift tokenizer (Docs/tokenizer.md)."""
import json
import random

import ftfy
import open_clip

HAND = [
    "", " ", "a", "There are 20 persons in the crowd", "There are 195 persons in the crowd",
    "The object is crowd", "The object is traffic light", "The objects are human heads", "The objects are shadow of man",
    "a photo of a dog", "A PHOTO OF A CAT", "Hello, World!", "don't won't it's we're they've I'm you'll he'd",
    "DON'T IT'S", "''s quotes 'tis", "rock'n'roll", "3.14159", "1,000,000 people", "2023-12-04T10:00:00Z",
    "café naïve résumé coöperate", "Ünïcödé ÀÉÎÕÜ", "Straße", "İstanbul", "ΣΊΣΥΦΟΣ", "Москва",
    "東京タワーと富士山", "北京欢迎你", "한국어 텍스트", "مرحبا بالعالم", "שלום", "हिन्दी", "ไทย",
    "emoji 😀🎉👍🏽 family 👨‍👩‍👧", "flags 🇫🇷🇯🇵", "a\tb\nc\r\nd", "   many    spaces   ",
    "&amp; &lt;tag&gt; &quot;quoted&quot; &#39;apos&#39; &#x263A; &copy; &nbsp;x", "&amp;amp; double",
    "curly “quotes” and ‘single’", "ﬁne ﬂow ﬀ", "ＦＵＬＬ　ｗｉｄｔｈ　１２３", "<start_of_text>inside<end_of_text>",
    "x" * 300, "word " * 100, "!!!???...", "@user #hashtag $100 50% a+b=c", "~`^*_|\\/[]{}()<>",
    "e.g. i.e. etc.", "C++ and C# and F#", "user@example.com https://example.com/path?q=1",
    "½ ¼ ² ³ ⅓ Ⅻ", "٣ ٤ ٥", "x²+y²", "self-driving state-of-the-art", "\u00a0nbsp\u00a0", "soft\u00adhyphen",
    "zero\u200bwidth", "e\u0301 combining", "\u0007bell\u0000nul",
]

POOL = list("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 .,;:!?'\"-()[]{}/\\@#$%^&*+=<>~`|")
POOL += list("éèêëàâäçñöüßøåæœ") + list("日本語中文한국") + ["😀", "🎉", "❤️", "👍"] + ["&amp;", "&lt;", "&#65;"]


def main():
    rng = random.Random(1234)
    texts = list(HAND)
    words = ["crowd", "people", "persons", "heads", "street", "square", "festival", "stadium", "photo", "many",
             "few", "there", "are", "is", "the", "a", "of", "in", "on", "with", "and"]
    for _ in range(200):
        texts.append(" ".join(rng.choice(words) for _ in range(rng.randint(1, 12))))
    for _ in range(200):
        texts.append("".join(rng.choice(POOL) for _ in range(rng.randint(1, 40))))
    kept, skipped = [], 0
    for t in texts:
        if ftfy.fix_text(t) != ftfy.fix_text(t, fix_encoding=False):
            skipped += 1
            continue
        kept.append(t)
    ids = open_clip.tokenize(kept)
    cases = [{"text": t, "ids": [int(i) for i in row[: int(row.nonzero().max()) + 1]]} for t, row in zip(kept, ids)]
    short = open_clip.tokenize(["There are 20 persons in the crowd", "x" * 300], context_length=8)
    out = {"skipped_for_mojibake_repair": skipped, "cases": cases,
           "context8": [[int(i) for i in row] for row in short]}
    with open("Tests/Fixtures/tokenizer/cases.json", "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=0)
    print(f"{len(cases)} cases, {skipped} skipped")


if __name__ == "__main__":
    main()
