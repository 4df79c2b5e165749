"""Training the theme model from gold files.

- :func:`section_document` is what the model reads of a section (its title,
  then its text); training, the tagger (through ranges) and evaluation agree
  on it.
- :func:`examples_from_gold` turns annotated plans into :class:`Example`
  records (each level-1 section with themes, as the pipeline parses it).
- :func:`fit_examples` fits a :class:`~unionnlp.themes.classifier.ThemeClassifier`
  on examples (minus one fold) and returns its model; :func:`train` fits on
  every gold file under some folders and writes the weights.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UnionNLPError
from .classifier import ThemeClassifier
from .scoring import MODEL_FILE, ThemeModel

if TYPE_CHECKING:
    from ..model import Section
    from ..normalize import NormalizedText

__all__ = [
    "Example",
    "examples_from_gold",
    "fit_examples",
    "gold_files_under",
    "require_sklearn",
    "section_document",
    "train",
]


@dataclass(frozen=True)
class Example:
    """A training text: a level-1 section of an annotated plan and its labels.

    ``text`` is the section from its marker to its end; ``document`` is what the
    model reads (:func:`section_document`: the title, then the text).
    """

    text: str
    labels: tuple[str, ...]
    source: str  # sha256 of the source file
    #: the source's group for grouped cross-validation: its site where the
    #: corpus has an index (template sites repeat text), else the file name
    group: str = ""
    #: the gold folder it came from, as given to :func:`train`
    corpus: str = ""
    title: str = ""

    @property
    def document(self) -> str:
        return f"{self.title}\n{self.text}"

    @property
    def fold(self) -> tuple[str, int]:
        """The corpus and the fold of this example's group (:func:`unionnlp.evaluate.fold_of`).

        Folds are drawn within each corpus: leaving out one fold of real pages
        keeps every written plan, which shares no site with them.
        """
        from ..evaluate import fold_of

        return self.corpus, fold_of(self.group or self.source)


def fit_examples(
    examples: Sequence[Example], *, exclude: tuple[str, int] | None = None, **params: Any
) -> ThemeModel:
    """Fit a classifier on ``examples`` (minus one fold of one corpus) and return its model."""
    chosen = [e for e in examples if exclude is None or e.fold != exclude]
    clf = ThemeClassifier(**params).fit(
        [e.document for e in chosen], [list(e.labels) for e in chosen]
    )
    model = clf.to_model()
    by_source = {e.source: e for e in chosen}
    model.sources = tuple(sorted(by_source))
    model.groups = tuple(by_source[sha].group or sha for sha in model.sources)
    model.corpora = tuple(by_source[sha].corpus for sha in model.sources)
    return model


# ---------------------------------------------------------------------------
# the stage


def require_sklearn() -> None:
    """Raise a clear error when training is asked for without scikit-learn."""
    try:
        import sklearn  # noqa: F401
    except ImportError as err:  # pragma: no cover - scikit-learn is a core dependency
        raise UnionNLPError("training themes needs scikit-learn: pip install scikit-learn") from err


def section_document(norm: NormalizedText, section: Section) -> str:
    """What the theme model reads of a section: its title, then its whole text.

    The title says what a section is about and counts twice (it opens the
    text too). Training examples, the tagger (through ranges of the text) and
    evaluation all read this.
    """
    return "\n".join(_title_and_text(norm, section))


def _title_and_text(norm: NormalizedText, section: Section) -> tuple[str, str]:
    ts, te = norm.norm_range(section.title_span)
    ss, se = norm.norm_range(section.span)
    return norm.text[ts:te], norm.text[ss:se]


def examples_from_gold(gold_files: Iterable[str | Path], *, corpus: str = "") -> list[Example]:
    """Training examples from gold files: each level-1 section with themes, as parsed.

    The section text is the normalised text of the parsed section that the
    gold section aligns with (marker and title prefix, in reading order), so
    training sees exactly what the tagger will see. Each example's group is
    its source's site where the corpus folder has an ``index.jsonl``
    (:func:`unionnlp.evaluate.corpus_groups`), else its file name.
    """

    from ..evaluate import _align, _gold_sections, corpus_groups, load_gold, section_key
    from ..pipeline import Pipeline
    from ..readers import read

    structure_only = Pipeline()
    groups: dict[Path, dict[str, str]] = {}
    examples: list[Example] = []
    for path in sorted(Path(p) for p in gold_files):
        gold = load_gold(path)
        folder = gold.source.parent
        if folder not in groups:
            groups[folder] = corpus_groups(folder)
        group = groups[folder].get(gold.source.name, gold.source.name)
        source = read(gold.source)
        plans = structure_only.parse(source.text, source=source)
        g_secs = [s for d in gold.documents for s in _gold_sections(d)]
        p_secs = [(plan, s) for plan in plans for s in plan.sections if s.marker]
        pairs = _align(
            [section_key(str(s.get("marker", "")), str(s.get("title", ""))) for s in g_secs],
            [section_key(s.marker, s.title) for _, s in p_secs],
        )
        for gi, pi in pairs:
            labels = tuple(g_secs[gi].get("themes") or ())
            if not labels:
                continue
            plan, sec = p_secs[pi]
            title, text = _title_and_text(plan.require_normalized("training"), sec)
            examples.append(Example(text, labels, source.sha256, group, corpus, title))
    return examples


def gold_files_under(
    roots: Iterable[str | Path], *, exclude_dirs: Collection[str] = ()
) -> list[Path]:
    """The ``*.gold.json`` files under each root (a file stands for itself).

    Files under a folder named in ``exclude_dirs`` (``heldout``) are left out.
    """
    files: list[Path] = []
    for root in map(Path, roots):
        if root.is_file():
            files.append(root)
            continue
        files += [
            p
            for p in sorted(root.rglob("*.gold.json"))
            if not set(p.relative_to(root).parts[:-1]) & set(exclude_dirs)
        ]
    return files


def train(
    corpora: Sequence[str | Path],
    output_dir: str | Path,
    *,
    exclude_dirs: Collection[str] = ("heldout",),
    **params: Any,
) -> tuple[ThemeModel, list[Example]]:
    """Fit the model on the gold files under ``corpora`` and write it to ``output_dir``.

    Only the weights are written (``themes_model.npz``): never the training
    texts, which may be third-party pages. The model records each training
    source by its sha256 and group, and the ``corpora`` as given, so that
    evaluation can rebuild the examples and refit without the fold of the
    file it scores. Deterministic: the same gold files give identical weights.

    Raises:
        UnionNLPError: no level-1 section with themes in the gold files.
    """
    require_sklearn()
    examples: list[Example] = []
    n_files = 0
    for root in corpora:
        files = gold_files_under([root], exclude_dirs=exclude_dirs)
        n_files += len(files)
        examples += examples_from_gold(files, corpus=str(root))
    if not examples:
        raise UnionNLPError(
            f"no level-1 sections with themes in the {n_files} gold files under"
            f" {', '.join(map(str, corpora))}"
        )
    model = fit_examples(examples, **params)
    model.params["corpora"] = [str(c) for c in corpora]
    model.params["exclude_dirs"] = sorted(exclude_dirs)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / MODEL_FILE)
    return model, examples
