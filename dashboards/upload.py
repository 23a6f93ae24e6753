"""Bring your own survey files from the page: upload, read, and redraw.

A :class:`SurveyUpload` is a panel with two upload buttons (the survey files,
one a wave, and optionally the codebook that maps their columns and codes onto
the survey's) and a "Use these files" button. Pressing it reads the uploads
from memory through :func:`analysis.load.load_survey` and hands the new
:class:`~analysis.load.Survey` to the dashboard's ``on_survey`` callback, which
builds its new view (aggregates computed once) and only then swaps it in.

If the files cannot be used, the loader's message (which file, column and
rows, and what to do) appears in the panel, escaped and styled as a warning,
and the data and chart already shown stay as they were. Any other error gives
a plain sentence; its traceback goes only to the server's log.

This module writes nothing to disk. The page frame (:mod:`dashboards.shell`)
hands ``on_files`` the files that worked, and keeps them for the visitor's
whole visit, on the server only (:mod:`dashboards.visit`); ``on_close`` deletes
them ("Close these files"). (The loader still passes SPSS and Stata uploads to
pyreadstat through a temporary file, deleted at once.)
"""

from __future__ import annotations

import html
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence

import ipywidgets as widgets

from analysis import load
from analysis.errors import Problem, SurveyDataError

from .page import html_widget, problem_list

#: Largest upload accepted, all survey files together (bytes).
MAX_BYTES = 200 * 1024 * 1024
#: The browser sends an upload to the kernel as one websocket message; Voilà's
#: server (tornado) refuses messages over 10 MiB unless its
#: ``websocket_max_message_size`` setting is raised to at least this.
WEBSOCKET_MAX_BYTES = MAX_BYTES + 16 * 1024 * 1024
#: The survey formats :func:`analysis.load.load_survey` reads, for the file chooser.
SURVEY_EXTENSIONS: tuple[str, ...] = (
    *load.TEXT_EXTENSIONS,
    *load.EXCEL_EXTENSIONS,
    *load.SPSS_EXTENSIONS,
    *load.STATA_EXTENSIONS,
    *load.PARQUET_EXTENSIONS,
)
CODEBOOK_EXTENSIONS: tuple[str, ...] = (".yml", ".yaml")


def uploaded_files(value) -> list[tuple[str, bytes]]:
    """``(name, bytes)`` for each file in a :class:`ipywidgets.FileUpload` value.

    Takes ipywidgets 8's value (a sequence of dicts with ``name`` and
    ``content``) and ipywidgets 7's (a dict of such dicts keyed by name).
    """
    if isinstance(value, Mapping):
        value = [{"name": name, **entry} for name, entry in value.items()]
    return [(str(entry["name"]), bytes(entry["content"])) for entry in value or ()]


class FileProblem(ValueError):
    """An uploaded document (a plan, a review) its reader could not use: ``name`` is the
    file's, ``problems`` the reader's own sentences (which row, which field, what to do)."""

    def __init__(self, name: str, problems: list[str]):
        super().__init__(f"{name}: " + "; ".join(problems))
        self.name = name
        self.problems = problems


def read_uploaded(upload: widgets.FileUpload, reader: Callable, *, clear: bool = True):
    """The one file of ``upload`` read by ``reader(content, name)``: ``(name, object)``, or
    ``None`` when no file is there. The reader's :class:`~analysis.errors.SurveyDataError`
    becomes :class:`FileProblem`. ``clear``: empty the upload afterwards, read or not (so
    the same file can be chosen again).

    The Planner (a plan to open), the Manager (a review to open, a plan to link) and the
    pack (a plan and a review to add) read their one uploaded file through this.
    """
    uploaded = uploaded_files(upload.value)
    if not uploaded:
        return None
    name, content = uploaded[0]
    try:
        return name, reader(content, name)
    except SurveyDataError as error:
        raise FileProblem(name, [str(p) for p in error.problems]) from error
    finally:
        if clear:
            upload.value = ()


def _megabytes(n: int) -> str:
    return f"{n / 1024 / 1024:,.1f} MB"


def check_size(files: Sequence[tuple[str, bytes]], max_bytes: int = MAX_BYTES) -> None:
    """Refuse uploads larger than ``max_bytes`` all together.

    Raises
    ------
    SurveyDataError
        naming each file and its size, and what to do instead.
    """
    total = sum(len(content) for _, content in files)
    if total <= max_bytes:
        return
    sizes = ", ".join(f"{name} ({_megabytes(len(content))})" for name, content in files)
    raise SurveyDataError(
        Problem(
            sizes,
            f"{'are' if len(files) > 1 else 'is'} {_megabytes(total)} in all, more than "
            f"the {_megabytes(max_bytes)} this page accepts.",
            "Leave out the columns the dashboards do not use (names, free text) or save as "
            "Parquet, which is smaller; or start the dashboards on your own computer with "
            "KS3_SURVEY_FILES naming the files (see README.md), which has no size limit.",
        )
    )


def read_upload(
    files: Sequence[tuple[str, bytes]],
    codebook: tuple[str, bytes] | None = None,
    max_bytes: int = MAX_BYTES,
) -> load.Survey:
    """The survey in the uploaded files, read from memory.

    Parameters
    ----------
    files : ``(name, bytes)`` for each survey file, typically one a wave
    codebook : ``(name, bytes)`` of a codebook (YAML), or None when the files
        are in the survey's own layout already
    max_bytes : the size cap for the survey files together

    Raises
    ------
    SurveyDataError
        no file given, too large, or the loader's problems with the files.
    """
    if not files:
        raise SurveyDataError(
            Problem(
                "Survey files",
                "none chosen.",
                "Press 'Survey files' and choose your file(s), one a wave, then 'Use these files'.",
            )
        )
    check_size(files, max_bytes)
    return load.load_survey(list(files), codebook=codebook)


class SurveyUpload:
    """The upload panel of a dashboard.

    Parameters
    ----------
    on_survey : callable
        Called with the new :class:`~analysis.load.Survey` once it has been read
        and checked. It builds the dashboard's new view and swaps it in; if it
        raises, the panel shows the message and the page keeps what it showed.
    max_bytes : int
        Size cap for the survey files together.

    Attributes
    ----------
    files, codebook : ipywidgets.FileUpload
    button : ipywidgets.Button
    message : ipywidgets.HTML
        Empty, a warning (the loader's message) or what is now showing.
    widget : ipywidgets.VBox
        The whole panel, ready to display.
    """

    def __init__(
        self,
        on_survey: Callable[[load.Survey], None],
        max_bytes: int = MAX_BYTES,
        on_files: Callable[[list, tuple | None], str] | None = None,
        on_close: Callable[[], str] | None = None,
    ):
        self.on_survey = on_survey
        self.on_files = on_files
        self.on_close = on_close
        self.max_bytes = max_bytes
        self.files = widgets.FileUpload(
            accept=",".join(SURVEY_EXTENSIONS),
            multiple=True,
            description="Survey files",
            icon="upload",
            layout=widgets.Layout(width="auto"),
        )
        self.files.add_class("ks3-upload-files")
        self.codebook = widgets.FileUpload(
            accept=",".join(CODEBOOK_EXTENSIONS),
            multiple=False,
            description="Codebook (optional)",
            icon="upload",
            layout=widgets.Layout(width="auto"),
        )
        self.codebook.add_class("ks3-upload-codebook")
        self.button = widgets.Button(
            description="Use these files",
            button_style="primary",
            icon="check",
            layout=widgets.Layout(width="auto"),
        )
        self.button.add_class("ks3-upload-use")
        self.button.on_click(self.use_files)
        self.close = widgets.Button(
            description="Close these files",
            icon="times",
            layout=widgets.Layout(width="auto", display="none"),
        )
        self.close.add_class("ks3-upload-close")
        self.close.on_click(self.close_files)
        self.message = widgets.HTML()
        self.message.add_class("ks3-upload-message")
        formats = ", ".join(SURVEY_EXTENSIONS)
        about = html_widget(
            "<h2 style='font-size:1.2em;margin:0.6em 0 0.2em 0'>Show your own survey files</h2>"
            f"<p class='ks3-note'>One file a wave ({html.escape(formats)}), up to "
            f"{_megabytes(max_bytes)} in all. If your columns or codes differ from the "
            "survey's, add a codebook (see docs/codebook.md). "
            + (
                "Every research page you open in this browser shows them until you close them "
                "or upload others; they are kept on this server for you only, and deleted "
                "when you close them.</p>"
                if on_files
                else "The files are kept for this page only, not stored on the server.</p>"
            )
        )
        self.widget = widgets.VBox(
            [
                about,
                widgets.HBox(
                    [self.files, self.codebook, self.button, self.close],
                    layout=widgets.Layout(flex_flow="row wrap"),
                ),
                self.message,
            ]
        )

    def use_files(self, _button=None) -> bool:
        """Read the uploads and hand the survey on; True if the page now shows it."""
        files = uploaded_files(self.files.value)
        codebooks = uploaded_files(self.codebook.value)
        if not self._use(files, codebooks[0] if codebooks else None):
            return False
        kept = ""
        if self.on_files is not None:
            try:
                kept = self.on_files(files, codebooks[0] if codebooks else None)
            except Exception:  # noqa: BLE001 - shown on this page even if they cannot be kept
                traceback.print_exc(file=sys.__stderr__)
                kept = (
                    "They could not be kept for your other pages (the details are in the "
                    "log of the dashboard server): this page shows them until it is closed."
                )
        self._showing(files, kept)
        # the page keeps the survey; the raw bytes need not stay in the widgets
        self.files.value = ()
        self.codebook.value = ()
        return True

    def use_kept(
        self, files: Sequence[tuple[str, bytes]], codebook: tuple[str, bytes] | None
    ) -> bool:
        """Show files kept from earlier in the visit; True if the page now shows them."""
        if not self._use(files, codebook, kept=True):
            if self.on_close is not None:  # they can still be closed (deleted)
                self.close.layout.display = None
            return False
        self._showing(
            files,
            "You uploaded them earlier in this visit; they stay until you "
            "close them or upload others.",
        )
        return True

    def close_files(self, _button=None) -> None:
        """Delete the kept files and go back to the server's data (``on_close``)."""
        try:
            said = self.on_close() if self.on_close is not None else ""
        except Exception:  # noqa: BLE001 - a viewer must never see a traceback
            traceback.print_exc(file=sys.__stderr__)
            self.message.value = self.unexpected_html("could not be closed")
            return
        self.close.layout.display = "none"
        self.message.value = html_widget(f'<p class="ks3-note">{html.escape(said)}</p>').value

    def _use(self, files, codebook, kept: bool = False) -> bool:
        self.button.disabled = True
        self.button.description = "Reading…"
        read = False
        try:
            survey = read_upload(files, codebook, self.max_bytes)
            read = True
            self.on_survey(survey)
        except SurveyDataError as error:
            # files kept from earlier that read but answer none of this page's questions
            # stay kept for the pages that can show them
            self.message.value = (
                self.not_this_page_html(error) if kept and read else self.problem_html(error, kept)
            )
            return False
        except Exception:  # noqa: BLE001 - a viewer must never see a traceback
            traceback.print_exc(file=sys.__stderr__)
            self.message.value = self.unexpected_html()
            return False
        finally:
            self.button.disabled = False
            self.button.description = "Use these files"
        self.pupils = len(survey.table)
        return True

    def _showing(self, files, said: str) -> None:
        names = ", ".join(html.escape(name) for name, _ in files)
        self.message.value = html_widget(
            f'<p class="ks3-note">Now showing {names}: {self.pupils:,} pupils. '
            f"{html.escape(said)}</p>"
        ).value
        if self.on_close is not None:
            self.close.layout.display = None

    @staticmethod
    def problem_html(error: SurveyDataError, kept: bool = False) -> str:
        """The loader's message, escaped, styled as a warning (``kept``: about the files
        kept from earlier in the visit, which no longer read)."""
        if kept:
            return html_widget(
                '<div class="ks3-problem"><h2>The files you uploaded earlier in this visit '
                f"could not be used</h2>{problem_list(error)}<p>The page shows the data the "
                "dashboards were started with. Upload corrected files, or close these.</p>"
                "</div>"
            ).value
        return html_widget(
            '<div class="ks3-problem"><h2>These files could not be used</h2>'
            f"{problem_list(error)}<p>The page still shows the data it showed before. "
            "Correct the files as described, then upload them again.</p></div>"
        ).value

    @staticmethod
    def not_this_page_html(error: SurveyDataError) -> str:
        """Said when the visit's files read well but this page cannot show them."""
        return html_widget(
            '<div class="ks3-problem"><h2>This page cannot show the files you uploaded '
            f"earlier in this visit</h2>{problem_list(error)}<p>It shows the data the "
            "dashboards were started with. Your files stay kept for the other research "
            "pages until you close them.</p></div>"
        ).value

    @staticmethod
    def unexpected_html(what: str = "could not be used") -> str:
        return html_widget(
            f'<div class="ks3-problem"><h2>These files {what}</h2>'
            "<p>Something unexpected went wrong; the details are in the "
            "log of the dashboard server. The page still shows the data it showed before. "
            "Check the files with <code>python -m analysis check FILE…</code>, or report it "
            "with that log.</p></div>"
        ).value
