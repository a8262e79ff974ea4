"""`bot data validate`: mistakes in domain, NLU data, rules and FAQ content, each with file and line."""

from __future__ import annotations

from collections import defaultdict

from . import city as city_profile
from .domain import DEFAULT_ACTIONS, Domain
from .errors import BotError
from .nlu.folding import fold
from .payload import PayloadError, decode_payload
from .settings import Settings
from .training_data import Example, load_nlu, load_rules, read_yaml, yaml_files

# Examples of two intents this alike (cosine of their character n-grams) teach the classifier nothing but confusion.
NEAR_DUPLICATE = 0.9
# Intents that only ever arrive as button payloads or from the engine itself need no examples.
EXAMPLE_FREE = {"nlu_fallback"}


def check_payload(payload: str, domain: Domain) -> str | None:
    try:
        decoded = decode_payload(payload)
    except PayloadError as exc:
        return f"button payload {payload!r}: {exc}"
    if decoded is None:
        return f'button payload {payload!r} is not of the form /intent or /intent{{"entity": "value"}}'
    intent, values = decoded
    if intent not in domain.intents:
        return f"button payload {payload!r} names the unknown intent `{intent}`"
    unknown = [k for k in values if k not in domain.entities]
    if unknown:
        return f"button payload {payload!r} sets unknown entities {unknown} (declare them under entities:)"
    return None


def near_duplicates(examples: list[Example], threshold: float = NEAR_DUPLICATE) -> list[tuple[Example, Example]]:
    """Pairs of examples in different intents whose character 1-3-grams (folded, TF-IDF) have a cosine of at least
    `threshold` but which are not the same text (exact repeats are reported on their own)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [fold(e.text).strip() for e in examples]
    if len(texts) < 2:
        return []
    vectors = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True).fit_transform(texts)
    similar = (vectors @ vectors.T).tocoo()
    return [
        (examples[i], examples[j])
        for i, j, sim in zip(similar.row, similar.col, similar.data, strict=True)
        if i < j and sim >= threshold and examples[i].intent != examples[j].intent and texts[i] != texts[j]
    ]


def validate(settings: Settings) -> list[str]:
    problems: list[str] = []
    try:
        domain = Domain.load(settings.domain_file)
        nlu = load_nlu([settings.data_dir])
        rules = load_rules([settings.data_dir])
    except BotError as exc:
        return [str(exc)]
    dfile = str(settings.domain_file)

    # examples duplicated across intents
    seen: dict[str, list] = defaultdict(list)
    for ex in nlu.examples:
        seen[fold(ex.text).strip()].append(ex)
    for exs in seen.values():
        intents = {e.intent for e in exs}
        if len(intents) > 1:
            where = ", ".join(f"{e.source}:{e.line} ({e.intent})" for e in exs)
            problems.append(f"{exs[0].source}:{exs[0].line}: example {exs[0].text!r} is in several intents: {where}")
    problems.extend(
        f"{a.source}:{a.line}: example {a.text!r} ({a.intent}) nearly repeats {b.text!r} ({b.intent}) at "
        f"{b.source}:{b.line}: one of them is mislabelled or too vague to teach either intent"
        for a, b in near_duplicates(nlu.examples)
    )

    # intents
    domain_intents = set(domain.intents)
    for ex in nlu.examples:
        if ex.intent not in domain_intents:
            problems.append(f"{ex.source}:{ex.line}: intent `{ex.intent}` is not declared in {dfile}")
            domain_intents.add(ex.intent)  # report once
    problems.extend(
        f"{ex.source}:{ex.line}: entity `{ent['entity']}` is not declared in {dfile}"
        for ex in nlu.examples
        for ent in ex.entities
        if ent["entity"] not in domain.entities
    )

    handled = set()
    for rule in rules:
        for index, step in enumerate(rule.steps):
            where = f"{rule.source}:{rule.step_lines[index] if index < len(rule.step_lines) else rule.line}"
            names = [step["intent"]] if "intent" in step else [s.get("intent") for s in step.get("or", [])]
            for name in names:
                if name and name not in domain.intents:
                    problems.append(f"{where}: rule `{rule.name}` uses unknown intent `{name}`")
                handled.add(name)
            if "action" in step and not domain.known_action(step["action"]):
                problems.append(
                    f"{where}: rule `{rule.name}` runs `{step['action']}`, which is not a response, "
                    f"action or form in {dfile}"
                )
            problems.extend(
                f"{where}: rule `{rule.name}` refers to unknown slot `{name}`"
                for slot_set in step.get("slot_was_set") or []
                for name in (slot_set if isinstance(slot_set, dict) else {slot_set: None})
                if name not in domain.slots
            )
        where = f"{rule.source}:{rule.line}"
        for cond in rule.condition:
            loop = cond.get("active_loop")
            if loop and loop not in domain.forms:
                problems.append(f"{where}: rule `{rule.name}` is conditioned on unknown form `{loop}`")
    with_examples = {e.intent for e in nlu.examples}
    for intent in domain.intents:
        if intent in EXAMPLE_FREE:
            continue
        if intent not in handled:
            problems.append(f"{dfile}: intent `{intent}` has no rule, so no response or action answers it")
        if intent not in with_examples and not intent.startswith("general_"):
            problems.append(f"{dfile}: intent `{intent}` has no NLU examples")
        if not (intent.startswith(("certificates_", "childcare_", "garbage_", "insurance_", "taxes_", "general_"))):
            problems.append(f"{dfile}: intent `{intent}` does not start with its domain prefix")

    # responses and their buttons
    for name, variations in domain.responses.items():
        line = domain.lines.get(("responses", name), 0)
        errors = (check_payload(b.get("payload", ""), domain) for v in variations or [] for b in v.get("buttons") or [])
        problems.extend(f"{dfile}:{line}: response `{name}`: {err}" for err in errors if err)

    # slots and forms
    problems.extend(
        f"{dfile}:{domain.lines.get(('slots', slot.name), 0)}: slot `{slot.name}` maps from "
        f"unknown entity `{mapping.get('entity')}`"
        for slot in domain.slots.values()
        for mapping in slot.mappings
        if mapping.get("type") == "from_entity" and mapping.get("entity") not in domain.entities
    )
    problems.extend(
        f"{dfile}:{domain.lines.get(('forms', form), 0)}: form `{form}` requires unknown slot `{name}`"
        for form, required in domain.forms.items()
        for name in required
        if name not in domain.slots
    )

    # custom actions exist
    try:
        from .dialogue.executor import InProcessExecutor

        registered = InProcessExecutor().names()
        problems.extend(
            f"{dfile}: action `{action}` is listed but no rasa_sdk Action in actions/ has that name"
            for action in domain.actions
            if action not in registered and action not in DEFAULT_ACTIONS and action not in domain.responses
        )
    except Exception as exc:  # noqa: BLE001 - an import error in actions/ is itself a problem worth reporting
        problems.append(f"actions/: cannot import the custom actions: {exc}")

    problems += validate_faq(settings, domain)
    return problems


def validate_faq(settings: Settings, domain: Domain) -> list[str]:
    problems: list[str] = []
    profile = city_profile.load_city(settings.data_dir)
    ids: dict[str, str] = {}
    entries = []
    for path in yaml_files([settings.data_dir / "faq"]):
        doc = read_yaml(path, with_lines=True) or {}
        faq = doc.get("faq") or {}
        topics = faq.get("topics") or {}
        problems.extend(
            f"{path}: topic `{topic}` is not an intent in {settings.domain_file}"
            for topic in topics
            if topic != "__line__" and topic not in domain.intents
        )
        for entry in faq.get("entries") or []:
            where = f"{path}:{entry.get('__line__', 0)}"
            problems.extend(
                f"{where}: FAQ entry {entry.get('id', '?')} lacks `{key}`"
                for key in ("id", "domain", "intent", "title", "answer", "keywords", "source", "basis", "review_by")
                if not entry.get(key)
            )
            if entry.get("id") in ids:
                problems.append(f"{where}: FAQ id `{entry['id']}` is also used at {ids[entry['id']]}")
            ids[entry.get("id")] = where
            if entry.get("intent") not in topics:
                problems.append(
                    f"{where}: FAQ entry {entry.get('id')} has intent `{entry.get('intent')}`, not a topic of its file"
                )
            for field in ("answer", "source", "title"):
                try:
                    city_profile.fill(str(entry.get(field, "")), profile)
                except KeyError as exc:
                    problems.append(
                        f"{where}: FAQ entry {entry.get('id')}: `{field}` uses {{{exc.args[0]}}}, "
                        f"which data/city.yml does not define"
                    )
            entries.append((where, entry))
    problems.extend(
        f"{where}: FAQ entry {entry.get('id')} links to unknown entry `{rel}`"
        for where, entry in entries
        for rel in entry.get("related") or []
        if rel not in ids
    )
    return problems
