"""Telling a query's language (codesearch.query_language) on real sentences: it must never fire on English."""

from __future__ import annotations

import pytest

from codesearch.query_language import detect_language

SENTENCES = {
    "de": [
        "die Konfigurationsdatei beim Start einlesen",
        "alle Einträge aus dem Cache entfernen",
        "prüfen, ob der Benutzer angemeldet ist",
        "HTTP-Antwort als JSON parsen",  # no function word: a noun, then a verb at the end
        "Zeitstempel in lesbares Datum umwandeln",
    ],
    "fr": [
        "lire le fichier de configuration au démarrage",
        "supprimer toutes les entrées du cache",
        "vérifier que l'utilisateur est connecté",
        "convertir une date en chaîne",
    ],
    "es": [
        "leer el archivo de configuración al iniciar",
        "borrar todas las entradas de la caché",
        "comprobar si el usuario ha iniciado sesión",
        "ordenar una lista por fecha",
    ],
    "pt": [
        "ler o arquivo de configuração na inicialização",
        "remover todas as entradas do cache",
        "verificar se o usuário não está autenticado",
        "converter uma data em texto",
    ],
    "it": [
        "leggere il file di configurazione all'avvio",
        "rimuovere tutte le voci dalla cache",
        "controllare se l'utente è autenticato",
        "convertire una data nella stringa",
    ],
    "ru": [
        "прочитать файл конфигурации при запуске",
        "удалить все записи из кэша",
        "проверить, вошёл ли пользователь",
    ],
    "zh": ["读取配置文件"],
    "ja": ["設定ファイルを読み込む"],
    "ko": ["설정 파일 읽기", "JSON 응답을 파싱하기"],
}

ENGLISH = [
    "read the config file",
    "die if the config file is missing",
    "parse a URL in Python",
    "Refresh Access Token",
    "open the file and read its lines",
    "rate limit per second",
    "the die roll",  # German's article, but one English function word outweighs it
    "fetch https://github.com/de/la/le.json",  # pieces of a URL are no words of the query
    "does s only contain lower case characters?",
    "merge sorted iterators",
    "get proxy settings from environment variables",
    "HTTPResponse",
    "os.path.join",
]


@pytest.mark.parametrize(
    ("language", "text"), [(lang, t) for lang, texts in SENTENCES.items() for t in texts]
)
def test_each_language_is_told_from_real_sentences(language: str, text: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ENGLISH)
def test_english_is_never_taken_for_another_language(text: str) -> None:
    assert detect_language(text) is None


@pytest.mark.parametrize("text", ["прочитати файл конфігурації", "", "1234 + 5678"])
def test_languages_without_a_dictionary_and_no_words_are_none(text: str) -> None:
    assert detect_language(text) is None


def test_spanish_and_portuguese_without_a_telling_letter_may_be_confused() -> None:
    # they share most function words; "se", "á" and "-ar" say nothing between them (a known limit)
    assert detect_language("verificar se o usuário está autenticado") in ("es", "pt")


def test_a_french_elision_counts_as_a_french_word() -> None:
    assert detect_language("l'objet d'origine") == "fr"
    assert detect_language("l objet") is None  # a lone letter is no elision
