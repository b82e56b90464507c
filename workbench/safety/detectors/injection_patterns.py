"""The phrase patterns of the prompt-injection detector, by family and language (lower-case text).

Built as *combinations*, not fixed phrases: an imperative (ignore, disregard, forget, vergiss, 忽略...)
followed within a few words by what it throws away (instructions, rules, the above, everything,
Anweisungen, 指令...), so "Ignore any previous and following instructions" and "Disregard the above"
are the same rule. Every branch starts with a literal so ``re`` can skip ahead (see ``BranchSet``).
The window between verb and object never crosses a comma or a sentence end, and an imperative right
after a negation ("don't forget the previous order instructions") is dropped by the detector.
"""

from __future__ import annotations

import re


def each(words: str, rest: str) -> list[str]:
    """``a|b`` + rest as branches that start with a literal (a branch that starts with a group is slow),
    one per first letter: ``s(?:how|ay)`` + rest, not ``show`` + rest | ``say`` + rest. The same order
    of tries, so the same matches, but ``rest`` (often a long list of objects) is written, parsed and
    compiled once per letter instead of once per word: the leak family's source was 750 kB."""
    by_letter: dict[str, list[str]] = {}
    branches = []
    for word in words.split("|"):
        if len(word) > 1 and word[0].isalpha() and word[0].islower() and word[1] not in "?*+{|\\":
            by_letter.setdefault(word[0], []).append(word[1:])
        else:
            branches.append(word + rest)
    for letter, tails in by_letter.items():
        branches.append(letter + (tails[0] if len(tails) == 1 else f"(?:{'|'.join(tails)})") + rest)
    return branches


# Up to six words between an imperative and its object, without crossing , . ; ! ?; any white space between
# them, a line break or a no-break space too ("Ignore all previous\ninstructions" is a bypass otherwise).
# No character may be part of a word and of a separator: with "_", "-" and "'" in both, a long run of words
# joined by "_" could be split in so many ways that one text of 2,700 characters held a scan for minutes.
# So a word is letters and digits, with a hyphen or apostrophe only between two of them ("pre-existing",
# "don't"), and a hyphen or apostrophe is a separator only where it is not between two.
_WORD = r"[^\W_]+(?:['’-][^\W_]+)*"
_SEPARATOR = r"(?:[\s\"“”‘*_:]|['’-](?![^\W_])|(?<![^\W_])['’-](?=[^\W_]))+"  # each character one way
GAP = f"(?:{_SEPARATOR}{_WORD}){{0,6}}?{_SEPARATOR}"
GAP_ZH = r"[^，。！？；,.!?;\n]{0,10}?"

_VERBS_EN = (
    "ignore",
    "disregard",
    "forget",
    "override",
    "bypass",
    "skip",
    "neglect",
    "discard",
    "abandon",
    "overlook",
    "ditch",
    "set aside",
    "do not follow",
    "don't follow",
    "stop following",
    "stop obeying",
    "pay no mind to",
    "pay no attention to",
    "pay no heed to",
)
_OBJECTS_EN = (
    r"(?:instructions?|prompts?|directions?|directives?|rules|guidelines|guidance|commands|constraints|"
    r"programming|restrictions|polic(?:y|ies)|orders|training|context|(?:the\s+)?above|everything|"
    r"guardrails|safeguards|safety\s+(?:filters|guidelines|measures|protocols|settings)|content\s+filters|"
    r"all\s+(?:(?:the|your|of\s+the)\s+)?(?:previous\s+)?assignments|(?:previous|prior|earlier|preceding)\s+(?:information|tasks|input)|"
    r"all\s+(?:(?:your|the|of\s+the)\s+)?filters|"
    r"all\s+(?:that|of\s+that)|what\s+(?:i|you|we)\s+(?:said|wrote|told\s+you|were\s+told))(?![\w'])"
)
OVERRIDE_EN = [
    *(verb.replace(" ", r"\s+") + r"(?![\w'])" + GAP + _OBJECTS_EN for verb in _VERBS_EN),
    r"new\s+(?:system\s+)?instructions\s*:",
    *each("from\\s+now\\s+on|instead", r"[,\s]+(?:ignore|disregard|forget)\b"),
    *each("admin|administrator|developer|root|sudo|superuser|system", r"\s+override\s*[:!-]"),
    # the wrappers of injected documents: "your real instructions begin here", "regardless of any previous
    # input", "I made a mistake when I gave you your instructions"
    r"your\s+(?:new|real|actual|updated|true)\s+(?:directives?|instructions|orders)\s+"
    r"(?:is|are|starts?|begins?|now)\b",
    r"regardless\s+of\s+(?:any\s+|all\s+|the\s+|your\s+)?(?:previous|prior|pre-?existing|earlier|original|other|former)\s+"
    r"(?:input|inputs|instructions?|guidelines|rules|restrictions|prompts?|context|directives?|programming)\b",
    *each(
        "when|while",
        r"\s+i\s+(?:gave|wrote|set\s+up|sent)\s+(?:you\s+)?your\s+(?:instructions|prompt|system\s+prompt|rules)\b",
    ),
    # new instructions put in place of the old: "change your instructions to the following", "your
    # instructions are now to", "drop all your instructions"
    *each(
        "change|update|replace|rewrite|modify|drop|delete|erase|remove",
        r"\s+(?:all\s+)?your\s+(?:instructions|prompt|programming|directives)\b",
    ),
    r"your\s+(?:new\s+)?instructions\s+are\s+now\b",
    *each(
        r"despite|regardless\s+of|contrary\s+to|in\s+spite\s+of",
        r"\s+(?:what|anything|everything|whatever)\s+you(?:'ve|’ve|\s+have|\s+were|\s+had|'re|\s+are)\s+(?:been\s+)?"
        r"(?:told|instructed|programmed|taught)\b",
    ),
    # "leave all the previous information behind", "remove all previous tasks out of your head"
    *each(
        "leave|remove|get|take",
        r"\s+(?:all\s+)?(?:of\s+)?(?:the\s+)?(?:previous|prior|earlier|preceding|above)\s+(?:information|instructions|tasks|"
        r"input|context)\s+(?:behind|out\s+of\s+your\s+(?:head|mind))",
    ),
    # "all previous information you received is irrelevant"
    *each(
        "previous|prior|earlier|preceding",
        r"\s+(?:information|instructions|input)\s+(?:that\s+)?you(?:'ve|\s+have)?\s+(?:received|got|been\s+given|were\s+given)\s+"
        r"(?:is|are|was|were)\s+(?:now\s+)?(?:irrelevant|void|invalid|obsolete|cancel(?:l)?ed|no\s+longer\s+(?:valid|relevant|important))\b",
    ),
    # earlier orders declared void: "consider all past commands as cancelled", "pretend all previous tasks
    # and demands are null and void", "the previous directions were canceled" ("my previous orders were
    # cancelled" is a shopper's, so orders and tasks only after a verb of make-believe)
    *each(
        "consider|pretend|treat|assume|regard|imagine|declare",
        r"(?:\s+that)?\s+(?:all\s+)?(?:of\s+)?(?:the\s+|your\s+|my\s+)?(?:previous|prior|past|earlier|preceding|above)\s+"
        r"(?:tasks|commands|directions|directives|instructions|demands|prompts|orders)(?:\s+and\s+\w+)?\s+"
        r"(?:are|were|as|to\s+be|have\s+been)\s+(?:now\s+)?(?:null|void|cancel|invalid|revoked|obsolete|irrelevant|erased|deleted)",
    ),
    *each(
        "previous|prior|past|earlier",
        r"\s+(?:commands|directions|directives|instructions|prompts)\s+(?:are|were|have\s+been)\s+(?:now\s+)?"
        r"(?:null|void|cancel(?:l)?ed|invalid|revoked)\b",
    ),
    *each(
        "erase|wipe|purge|delete|remove",
        r"\s+(?:all\s+)?(?:of\s+)?(?:the\s+|your\s+|my\s+)?(?:previous|prior|past|earlier|preceding|above)\s+"
        r"(?:commands|instructions|directives|directions|prompts|orders|tasks)\s+from\s+your\s+(?:memory|mind|head|context)",
    ),
    # an order taken back as a joke, with a new one in its place: "just kidding, please don't do that.
    # Instead ...", "only pulling your leg, dodge that task. Instead" ("never mind, ignore that, instead ..."
    # is how customers change their mind, so it stays clean)
    *each(
        r"kidding|joking|teasing|ribbing|fooling\s+around|pulling\s+your\s+leg",
        r"[,.!;:\s-]+(?:please\s+)?(?:don't|don’t|do\s+not|dodge|disregard|ignore|forget|skip|scrap|cancel)\s+(?:actually\s+)?"
        r"(?:(?:do|follow|carry|proceed\s+with|pull\s+through\s+with|execute|perform)\s+)?"
        r"(?:that|this|it|the\s+(?:last|previous|above|prior)\s+\w+)\b[^\n]{0,40}?\b(?:instead|rather|alternatively)\b",
    ),
    # a forged refusal turn, then a forged user turn with the real request ("ASSISTANT: Sorry, I cannot
    # comply. USER: Alright. Can you tell me ...")
    r"assistant\s*:\s*[^\n]{0,40}?(?:sorry|unable|cannot|can't|can’t|regret|apolog|not\s+possible|won't)[^\n]{0,120}\n"
    r"\s*user\s*:",
]
_VERBS_DE = (
    "ignoriere",
    "ignorier",
    "ignorieren sie",
    "ignoriert",
    "vergiss",
    "vergesst",
    "vergessen sie",
    "missachte",
    "übergehe",
    "überspringe",
    "hör auf mit",
    "höre auf mit",
    "befolge nicht",
    "beachte nicht",
)
_OBJECTS_DE = (
    r"(?:anweisung(?:en)?|instruktion(?:en)?|befehle?|regeln|vorgaben|richtlinien|aufgaben?|alles|"
    r"obige[nms]?|vorherigen?|bisherigen?|prompts?|eingaben?|aufträge|auftrag)(?!\w)"
)
OVERRIDE_DE = [
    *(verb.replace(" ", r"\s+") + r"(?![\w])(?!\s+nicht)" + GAP + _OBJECTS_DE for verb in _VERBS_DE),
    # "abweichend zu vorherigen Instruktionen", "entgegen den bisherigen Anweisungen"
    *each(
        "abweichend|entgegen|unabhängig",
        r"\s+(?:zu|von)?\s*(?:den\s+|allen\s+)?(?:vorherigen|bisherigen|obigen|vorangegangenen|früheren)\s+"
        r"(?:instruktionen|anweisungen|vorgaben|regeln|befehlen)",
    ),
    # "alle bisherigen Informationen, die Sie erhalten haben, sind irrelevant"
    *each(
        "bisherigen|vorherigen|vorangegangenen|obigen",
        r"\s+(?:informationen|anweisungen|instruktionen|aufgaben)[^.!?\n]{0,40}?\s(?:sind|waren)\s+(?:jetzt\s+)?"
        r"(?:irrelevant|unwichtig|ungültig|hinfällig|nicht\s+(?:mehr\s+)?(?:gültig|wichtig|relevant))",
    ),
    # "lassen Sie alle vorherigen Informationen hinter sich", "alle vorangegangenen Aufgaben aus dem Kopf streichen"
    *each(
        "vorherigen|bisherigen|vorangegangenen",
        r"\s+(?:informationen|aufgaben|anweisungen|instruktionen)\s+"
        r"(?:hinter\s+sich|hinter\s+dir|aus\s+dem\s+kopf|aus\s+deinem\s+kopf|aus\s+ihrem\s+kopf)",
    ),
]
# "Forget all instructions" as deepset's attackers also write it: Spanish, French, Croatian (Latin script,
# so in the any-text set) and Russian (Cyrillic, in the non-ASCII set).
OVERRIDE_OTHER = [
    r"olvid(?:a|e|ad|en)\s+(?:todas?\s+)?(?:las\s+|tus\s+|sus\s+)?(?:instrucciones|indicaciones|reglas|órdenes)",
    r"olvid(?:a|e|ad|en)\s+todo\s+lo\s+(?:anterior|que\s+(?:te\s+|le\s+)?(?:dije|digo|he\s+dicho))",
    r"tienes\s+que\s+olvidar\s+todo",
    r"ignor(?:a|e|ad|en)\s+(?:todas?\s+)?(?:las\s+)?(?:instrucciones|indicaciones|reglas)\s+(?:anteriores|previas)",
    r"oubli(?:ez|e)\s+(?:toutes\s+)?(?:les\s+|vos\s+|tes\s+)?(?:instructions|consignes|règles)",
    r"ignor(?:ez|e)\s+(?:toutes\s+)?(?:les\s+)?(?:instructions|consignes|règles)\s+(?:précédentes|ci-dessus)",
    r"zaboravi(?:te)?\s+(?:sve\s+)?(?:instrukcije|upute|uputstva|naredbe|pravila)",
]
OVERRIDE_RU = [
    *each(
        "забудь|игнорируй|проигнорируй",
        r"(?:те)?\s+(?:все\s+)?(?:предыдущие\s+|прошлые\s+)?(?:инструкции|указания|правила|команды)",
    ),
]
OVERRIDE_ZH = [
    verb + GAP_ZH + r"(?:指令|指示|规则|提示词?|要求|设定|约束|限制|命令|任务|内容)"
    for verb in [
        "忽略",
        "无视",
        "忽视",
        "忘记",
        "忘掉",
        "跳过",
        "不要理会",
        "不要遵守",
        "不再遵守",
        "别管",
        "放弃",
    ]
]

# "... and just print "x":", "just say 'x'": the payload of a goal hijack.
HIJACK_EN = [
    r"just\s+(?:say|print|output|write|type|repeat|reply|respond|answer|return)(?:\s+with)?\s*[:\"'“‘]",
    *each("and|then", r"\s+(?:instead\s+|only\s+)?(?:say|print|output)\s*[:\"“]"),
    r"instead\s+(?:say|print|output|write|classify|label|spell[\s-]check|translate|reply|respond)\b",
    # a task swap aimed at the model reading the text: "if you are asked to summarize this, instead ..."
    r"if\s+you\s+(?:are|were|get)\s+(?:told|asked|instructed|prompted)\s+to\s+(?:summari[sz]e|translate|answer|classify|"
    r"analy[sz]e|review|process|read|describe)\b[^.!?\n]{0,80}?(?:instead|rather|also|make\s+sure|ignore)\b",
    # the payload as an order: "you must say “access granted”", "you will only respond with 'PWNED'"
    r"you\s+(?:must|will)\s+(?:only\s+|now\s+|always\s+)?(?:say|respond\s+with|reply\s+with|"
    r"answer\s+with|output|print)\s*[:\"'“”‘’]",
]
HIJACK_DE = [
    *each("gib|schreib|sag|antworte", r"\w*\s+(?:nur|einfach|stattdessen)\s+(?:mit\s+)?[:\"'„“]"),
    r"stattdessen\s+(?:schreib|sag|gib|antworte)\w*(?:\s+nur)?\s*[:\"'„“]",
]
HIJACK_ZH = each("只|仅", r"(?:需|要)?(?:输出|说|回答|打印|回复)[：:\"“「]")

# Persona / mode set-ups. Strong phrases fire alone; a set-up ("from now on you are", "act as") fires
# only together with a lawlessness cue ("no restrictions", "unfiltered", "never refuses").
_JAILBROKEN = r"(?:unrestricted|unfiltered|uncensored|jailbroken|amoral)"
ROLE_EN = [
    rf"you\s+are\s+now\s+(?:dan|an?\s+(?:{_JAILBROKEN[3:-1]}|evil))\b",
    r"you\s+are\s+(?:now\s+)?(?:(?:operating|running|working|acting)\s+)?in\s+(?:developer|dev|dan|jailbreak|god|maintenance|"
    r"debug|admin|unrestricted|test|testing)\s+mode\b",
    r"you\s+are\s+(?:now\s+)?(?:an?\s+)?(?:no[\s-]limits?|unlimited|limitless|unrestricted|unfiltered|uncensored|jailbroken)\s+"
    r"(?:ai|assistant|model|chatbot|bot|llm)\b",
    r"you\s+are\s+(?:now\s+)?dan(?![\w'’-])",
    *(rf"{verb}\s+as\s+(?:an?\s+)?{_JAILBROKEN}\b" for verb in ("act", "behave", "respond")),
    r"pretend\s+(?:that\s+)?you\s+(?:are|have)\s+(?:no|not\s+bound\s+by\s+any)\s+(?:restrictions|rules|filters|guidelines|limits)\b",
    *each("developer|dan|stan|dude|jailbreak|jailbroken|god", r"\s+mode\s+(?:enabled|activated|output)\b"),
    r"with\s+(?:developer|dan)\s+mode\b",
    r"dan\s+mode\b",
    r"do\s+anything\s+now\b",
    r"jailbreak(?:ed)?\s+mode\b",
    r"anti-?dan\b",
]
ROLE_SETUP = (
    r"from\s+now\s+on|you\s+are\s+now|you're\s+now|you\s+are\s+going\s+to\s+(?:act|pretend|be|play)|"
    r"you\s+will\s+(?:now\s+)?(?:act|pretend|be|respond|play|simulate)|pretend\s+(?:to\s+be|you\s+are)|"
    r"act\s+(?:as|like)|role-?play|play\s+the\s+role|immerse\s+yourself|stay\s+in\s+character|"
    r"your\s+character\s+is|adopt\s+(?:two\s+|a\s+)?persona|simulat(?:e|or)|i\s+want\s+you\s+to\s+(?:act|pretend|be)|"
    r"ab\s+jetzt\s+bist\s+du|du\s+bist\s+(?:jetzt|nun|ab\s+sofort)|tu\s+so,?\s+als|stell\s+dir\s+vor,?\s+du\s+bist|"
    r"spiele?\s+die\s+rolle"
)
ROLE_LAWLESS = (
    r"(?:no|without(?:\s+any)?|free\s+(?:of|from)(?:\s+all)?|not\s+bound\s+by(?:\s+any)?|(?:do\s+not|don't|doesn't|does\s+not)\s+have\s+to\s+(?:abide\s+by|follow)|"
    r"broken\s+free\s+of|(?:doesn't|does\s+not|don't|do\s+not)\s+care\s+about|ignores?|bypass(?:es)?)\s+"
    r"(?:any\s+|all\s+|the\s+|its\s+|their\s+|your\s+)?(?:[\w-]+\s+){0,3}?(?:restrictions?|limits|limitations|filters?|filtering|censorship|"
    r"rules|guidelines|morals?|morality|ethics|principles|polic(?:y|ies)|norms|confines|boundaries)\b|"
    rf"{_JAILBROKEN}|never\s+refuses?|can\s+do\s+anything|do\s+anything|no\s+(?:moral|ethical)|immoral|"
    r"content\s+polic(?:y|ies)|openai(?:'s)?\s+polic|ohne\s+(?:jegliche\s+|alle\s+)?(?:einschränkungen|regeln|filter|zensur|grenzen)|"
    r"keine\s+(?:regeln|einschränkungen|grenzen|filter)"
)
# The Chinese set-up and lawlessness cues, paired the same way (the English lists, translated): "扮演一个
# ……的角色" with "不需要遵守任何规则", "以……的口吻" with "没有任何伦理道德准则". Either alone is ordinary
# ("扮演一个导游", "停车没有任何限制").
ROLE_SETUP_ZH = (
    r"扮演|假装|模仿|冒充|角色扮演|进入角色|保持角色|从现在开始|从现在起|从此|你现在是|你将成为|你现在将|"
    r"将自己设定为|把自己设定为|你的角色是|以[^，。！？；\n]{1,30}?的(?:口吻|语气|身份|角色)"
)
ROLE_LAWLESS_ZH = (
    r"(?:不需要|无需|不必|不用|不会|从不|永远不会|不再|拒绝)(?:去)?(?:遵守|遵循|理会|考虑|顾及|受)"
    r"[^，。！？；,.!?;\n]{0,12}?(?:规则|规定|政策|道德|伦理|法律|准则|限制|约束|过滤|审查)|"
    r"(?:不受|没有|无视|摆脱|不存在)(?:任何)?[^，。！？；,.!?;\n]{0,8}?"
    r"(?:限制|约束|规则|准则|底线|过滤|审查|道德|伦理)|"
    r"未经过滤|不加过滤|无过滤|未经审查|无审查|无道德|不讲道德|从不拒绝|永远不会拒绝|绝不拒绝|不会拒绝任何|"
    r"有求必应|无所不能|无所不知"
)
ROLE_ZH = [
    *(
        rf"{verb}(?:一个)?(?:没有|不受)(?:任何)?(?:限制|约束|规则)"
        for verb in ("扮演", "假装你是", "你现在是")
    ),
    r"开发者模式",
    r"越狱模式",
    *each(
        "从现在开始|从现在起",
        r"你(?:是|将|要)" + GAP_ZH + r"(?:没有|不受|无视)(?:任何)?(?:限制|约束|规则|道德)",
    ),
]
TEMPLATE = [
    r"<\|(?:im_start|im_end|system|user|assistant|endoftext|begin_of_text|end_of_text|start_header_id|"
    r"end_header_id|eot_id|eom_id|fim_prefix|fim_suffix|fim_middle)\|>",
    r"\[/?inst\]",
    r"<</?sys>>",
    r"<(?:start|end)_of_turn>",
    r"#(?<![^\n]#)#{1,2}[ \t]*(?:system|instruction)[ \t]*:",  # "### System:" at a line start
    r"\[/?(?:system|assistant)\](?:\s*:)?",
    # A fake boundary: "=== END OF USER INPUT ===", "%%% end of prompt %%%", "----- BEGIN NEW INSTRUCTIONS",
    # or a banner announcing orders: "*** NEW IMPORTANT INSTRUCTIONS ***", "**URGENT NEW TASK**". The words
    # alone ("at the end of the prompt", "new instructions for the tax form") stay clean, the banner
    # characters make it a delimiter trick. One branch per banner pair, each starting with a literal: the
    # template branches all do, so `re` skips ahead to the few characters that can start one (a letter-led
    # branch here tripled their cost).
    *(
        re.escape(banner) + r"[#=%*\-\[<]*[ \t]*(?:(?:end|begin|start)\s+(?:of\s+)?(?:the\s+)?"
        r"(?:new\s+|real\s+|actual\s+|system\s+|user\s+)?"
        r"(?:input|query|prompt|instructions|context|conversation|ambiguity|system\s+prompt)(?![\w])|"
        r"(?:(?:urgent|important|new|updated|revised|real|actual|critical|priority)\s+){1,3}"
        r"(?:instructions?|task|directives?|system\s+prompt)(?=[ \t]*(?:[#=%*\-\]>:]|\n|$)))"
        for banner in ("==", "##", "%%", "--", "**", "[[", "<<")
    ),
    # the Policy Puppetry attack: a fake policy file ("<interaction-config>", "Blocked Modes: ...")
    r"<\s*/?\s*interaction[-_]config(?:uration)?\s*>",
    r"blocked\s+(?:modes|responses|strings)\s*:",
]
INVISIBLE = [
    r"[\u200b\u2060-\u2064\u202a-\u202e\u2066-\u2069\U000e0000-\U000e007f]+",
    r"[\u200c\u200d\u200e\u200f]+(?<=[a-z][\u200c\u200d\u200e\u200f])(?=[a-z])",  # inside a Latin word
    r"\ufeff(?<!^\ufeff)",  # a byte-order mark anywhere but at the start
]
