"""BackgroundTask and LatestOnlyRunner: results, progress, cancel and failures arrive on the GUI thread."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from briefer.core.progress import raise_if_cancelled
from briefer.gui.workers import BackgroundTask, LatestOnlyRunner


def test_task_reports_progress_and_result_on_the_gui_thread(qtbot):
    threads = []

    def job(progress, cancel):
        threads.append(threading.current_thread())
        for done in (1, 2):
            progress(done, 2)
        return "done"

    task = BackgroundTask(job)
    steps = []
    task.progressed.connect(lambda done, total: steps.append((done, total)))
    with qtbot.waitSignal(task.finished), qtbot.waitSignal(task.succeeded) as result:
        task.start()
    assert result.args == ["done"]
    assert steps == [(1, 2), (2, 2)]
    assert threads != [threading.main_thread()]


def test_cancel_stops_a_running_job(qtbot):
    started = threading.Event()

    def endless(progress, cancel):
        started.set()
        while True:
            raise_if_cancelled(cancel)
            time.sleep(0.01)

    task = BackgroundTask(endless)
    with qtbot.waitSignal(task.finished), qtbot.waitSignal(task.cancelled):
        task.start()
        assert started.wait(timeout=5)
        task.cancel()


def test_a_failing_job_reports_its_exception_instead_of_crashing(qtbot):
    def broken(progress, cancel):
        raise OSError("archive is truncated")

    task = BackgroundTask(broken)
    with qtbot.waitSignal(task.finished), qtbot.waitSignal(task.failed) as failure:
        task.start()
    [exc] = failure.args
    assert isinstance(exc, OSError)
    assert str(exc) == "archive is truncated"


def test_the_runner_reports_only_the_newest_job(qtbot):
    release = threading.Event()
    running = []

    def slow(progress, cancel):
        running.append("slow")
        release.wait(timeout=5)
        return "stale"

    def fast(progress, cancel):
        running.append("fast")
        return "newest"

    runner = LatestOnlyRunner()
    reported = []
    runner.succeeded.connect(reported.append)
    runner.submit(slow)
    qtbot.waitUntil(lambda: running == ["slow"])
    runner.submit(fast)  # waits: jobs never overlap
    runner.submit(fast)  # replaces the waiting one
    assert running == ["slow"]
    with qtbot.waitSignal(runner.idle):
        release.set()
    assert reported == ["newest"]
    assert running == ["slow", "fast"]


def test_a_discarded_job_reports_nothing(qtbot):
    runner = LatestOnlyRunner()
    reported = []
    runner.succeeded.connect(reported.append)
    with qtbot.waitSignal(runner.idle):
        runner.submit(lambda progress, cancel: "late")
        runner.discard()
    assert reported == []


def test_waiting_on_the_gui_thread_after_cancel_returns(qtbot):
    """Shutdown: cancel() then wait() without the event loop running must not deadlock."""
    started = threading.Event()

    def until_cancelled(progress, cancel):
        started.set()
        cancel.wait(timeout=10)
        raise_if_cancelled(cancel)

    task = BackgroundTask(until_cancelled)
    task.start()
    assert started.wait(timeout=5)
    task.cancel()
    assert task.wait(5000)  # no events are processed meanwhile
    qtbot.waitSignal(task.finished).wait()  # the queued signals still arrive afterwards


DELETED_MID_JOB = """
import gc, sys, threading, time
from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication, QWidget
from briefer.gui.workers import LatestOnlyRunner

app = QApplication(sys.argv)
started = threading.Event()

def slow(progress, cancel):
    started.set()
    time.sleep(0.5)
    return "late"

widget = QWidget()  # no parent: Python owns it, as a detached reader would be
runner = LatestOnlyRunner(parent=widget)
runner.submit(slow)
started.wait(5)
del runner, widget
gc.collect()  # the widget, its runner and its task are gone while the job still runs
QTimer.singleShot(1500, app.quit)
app.exec()
print("survived")
"""


def test_a_widget_deleted_while_its_job_runs_does_not_abort_the_app(tmp_path):
    """In a child process: without the fix Qt aborts ("QThread: Destroyed while thread is still running")."""
    script = tmp_path / "deleted_mid_job.py"
    script.write_text(DELETED_MID_JOB, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "survived" in done.stdout
