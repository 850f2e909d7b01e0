"""PeerTube's fixed vocabularies: video categories, licences and languages, with their ids
and English labels (what `/videos/categories`, `/licences` and `/languages` answer, and the
labels every video representation shows).

Categories and licences are PeerTube 7's. Languages follow PeerTube's rule: every living
language with an ISO 639-1 code, under its ISO 639-3 reference name, plus the sign
languages and the few others PeerTube adds, and its overridden labels (Greek, Occitan, the
regional Portuguese, Spanish and Chinese variants...).
"""
from __future__ import annotations

CATEGORIES: dict[int, str] = {
    1: "Music", 2: "Films", 3: "Vehicles", 4: "Art", 5: "Sports", 6: "Travels",
    7: "Gaming", 8: "People", 9: "Comedy", 10: "Entertainment", 11: "News & Politics",
    12: "How To", 13: "Education", 14: "Activism", 15: "Science & Technology",
    16: "Animals", 17: "Kids", 18: "Food",
}

LICENCES: dict[int, str] = {
    1: "Attribution",
    2: "Attribution - Share Alike",
    3: "Attribution - No Derivatives",
    4: "Attribution - Non Commercial",
    5: "Attribution - Non Commercial - Share Alike",
    6: "Attribution - Non Commercial - No Derivatives",
    7: "Public Domain Dedication",
}

LANGUAGES: dict[str, str] = {
    "aa": "Afar", "ab": "Abkhazian", "af": "Afrikaans", "ak": "Akan", "am": "Amharic",
    "an": "Aragonese", "ar": "Arabic", "as": "Assamese", "av": "Avaric", "ay": "Aymara",
    "az": "Azerbaijani", "ba": "Bashkir", "be": "Belarusian", "bg": "Bulgarian",
    "bi": "Bislama", "bm": "Bambara", "bn": "Bengali", "bo": "Tibetan", "br": "Breton",
    "bs": "Bosnian", "ca": "Catalan", "ce": "Chechen", "ch": "Chamorro", "co": "Corsican",
    "cr": "Cree", "cs": "Czech", "cv": "Chuvash", "cy": "Welsh", "da": "Danish",
    "de": "German", "dv": "Dhivehi", "dz": "Dzongkha", "ee": "Ewe", "el": "Greek",
    "en": "English", "eo": "Esperanto", "es": "Spanish (Spain)", "et": "Estonian",
    "eu": "Basque", "fa": "Persian", "ff": "Fulah", "fi": "Finnish", "fj": "Fijian",
    "fo": "Faroese", "fr": "French", "fy": "Western Frisian", "ga": "Irish",
    "gd": "Scottish Gaelic", "gl": "Galician", "gn": "Guarani", "gu": "Gujarati",
    "gv": "Manx", "ha": "Hausa", "he": "Hebrew", "hi": "Hindi", "ho": "Hiri Motu",
    "hr": "Croatian", "ht": "Haitian", "hu": "Hungarian", "hy": "Armenian", "hz": "Herero",
    "id": "Indonesian", "ig": "Igbo", "ii": "Sichuan Yi", "ik": "Inupiaq",
    "is": "Icelandic", "it": "Italian", "iu": "Inuktitut", "ja": "Japanese",
    "jv": "Javanese", "ka": "Georgian", "kg": "Kongo", "ki": "Kikuyu", "kj": "Kuanyama",
    "kk": "Kazakh", "kl": "Kalaallisut", "km": "Khmer", "kn": "Kannada", "ko": "Korean",
    "kr": "Kanuri", "ks": "Kashmiri", "ku": "Kurdish", "kv": "Komi", "kw": "Cornish",
    "ky": "Kirghiz", "la": "Latin", "lb": "Luxembourgish", "lg": "Ganda",
    "li": "Limburgan", "ln": "Lingala", "lo": "Lao", "lt": "Lithuanian",
    "lu": "Luba-Katanga", "lv": "Latvian", "mg": "Malagasy", "mh": "Marshallese",
    "mi": "Maori", "mk": "Macedonian", "ml": "Malayalam", "mn": "Mongolian",
    "mr": "Marathi", "ms": "Malay (macrolanguage)", "mt": "Maltese", "my": "Burmese",
    "na": "Nauru", "nb": "Norwegian Bokmål", "nd": "North Ndebele",
    "ne": "Nepali (macrolanguage)", "ng": "Ndonga", "nl": "Dutch",
    "nn": "Norwegian Nynorsk", "no": "Norwegian", "nr": "South Ndebele", "nv": "Navajo",
    "ny": "Nyanja", "oc": "Occitan", "oj": "Ojibwa", "om": "Oromo",
    "or": "Oriya (macrolanguage)", "os": "Ossetian", "pa": "Panjabi", "pl": "Polish",
    "ps": "Pushto", "pt": "Portuguese (Brazilian)", "pt-PT": "Portuguese (Portugal)",
    "qu": "Quechua", "rm": "Romansh", "rn": "Rundi", "ro": "Romanian", "ru": "Russian",
    "rw": "Kinyarwanda", "sc": "Sardinian", "sd": "Sindhi", "se": "Northern Sami",
    "sg": "Sango", "sh": "Serbo-Croatian", "si": "Sinhala", "sk": "Slovak",
    "sl": "Slovenian", "sm": "Samoan", "sn": "Shona", "so": "Somali", "sq": "Albanian",
    "sr": "Serbian", "ss": "Swati", "st": "Southern Sotho", "su": "Sundanese",
    "sv": "Swedish", "sw": "Swahili (macrolanguage)", "ta": "Tamil", "te": "Telugu",
    "tg": "Tajik", "th": "Thai", "ti": "Tigrinya", "tk": "Turkmen", "tl": "Tagalog",
    "tn": "Tswana", "to": "Tonga (Tonga Islands)", "tr": "Turkish", "ts": "Tsonga",
    "tt": "Tatar", "tw": "Twi", "ty": "Tahitian", "ug": "Uighur", "uk": "Ukrainian",
    "ur": "Urdu", "uz": "Uzbek", "ve": "Venda", "vi": "Vietnamese", "wa": "Walloon",
    "wo": "Wolof", "xh": "Xhosa", "yi": "Yiddish", "yo": "Yoruba", "za": "Zhuang",
    "zh": "Chinese", "zh-Hans": "Simplified Chinese", "zh-Hant": "Traditional Chinese",
    "zu": "Zulu",
    "es-419": "Spanish (Latin America)", "ca-valencia": "Valencian",
    # Languages without an ISO 639-1 code that PeerTube offers all the same.
    "avk": "Kotava", "gcf": "Guadeloupean Creole French", "gcr": "Guianese Creole French",
    "gsw": "Swiss German", "jbo": "Lojban", "kab": "Kabyle", "rcf": "Réunion Creole French",
    "tlh": "Klingon", "tok": "Toki Pona",
    # Sign languages, and no language at all.
    "ase": "American Sign Language", "asq": "Austrian Sign Language",
    "bfi": "British Sign Language", "bzs": "Brazilian Sign Language",
    "csl": "Chinese Sign Language", "cse": "Czech Sign Language",
    "dsl": "Danish Sign Language", "fse": "Finnish Sign Language",
    "fsl": "French Sign Language", "gsg": "German Sign Language",
    "jsl": "Japanese Sign Language", "pks": "Pakistan Sign Language",
    "rsl": "Russian Sign Language", "sdl": "Saudi Arabian Sign Language",
    "sfs": "South African Sign Language", "swl": "Swedish Sign Language",
    "zxx": "No linguistic content",
}
