"""The survey example: two keypad questions and a recorded comment posted to the server."""

from __future__ import annotations

from typing import Any

from vxmlkit.testing import Call, Simulator, assert_transcript


def dial(simulator: Simulator, **options: Any) -> Call:
    return simulator.dial("survey", phone_number="+16175550142", call_parameters="ticket=T-1001", **options)


def test_answers_both_questions_and_records_a_comment(simulator: Simulator) -> None:
    call = dial(simulator)
    call.hears("Acme Support with a short survey about your support request T-1001")
    call.hears("How satisfied are you with the help you received?")
    call.press("4").hears("How likely are you to recommend Acme Support to a friend?")
    call.press("9").hears("after the tone, please tell us in a few words how we could do better")
    call.record(3.0).hears("Thank you, we have your comment.").hangs_up()

    state = call.state
    assert (state["satisfaction"], state["recommend"], state["completed"]) == (4, 9, True)
    assert state["comment_type"].startswith("audio/")
    assert state["comment_bytes"] > 0
    posted = [d for d in call.documents if d.url.split("?")[0].endswith("/step/comment_recorded")]
    assert [d.method for d in posted] == ["POST"]
    assert_transcript(call, "tests/apps/golden/survey.txt")


def test_the_stored_size_is_the_size_of_the_recording(simulator: Simulator) -> None:
    short = dial(simulator).press("3").press("5").record(1.0).hangs_up().state["comment_bytes"]
    long = dial(simulator).press("3").press("5").record(4.0).hangs_up().state["comment_bytes"]
    assert 0 < short < long


def test_zero_is_a_valid_recommendation(simulator: Simulator) -> None:
    call = dial(simulator).press("1").press("0")
    call.hears("after the tone")
    assert (call.state["satisfaction"], call.state["recommend"]) == (1, 0)


def test_a_score_off_the_scale_asks_again(simulator: Simulator) -> None:
    call = dial(simulator)
    call.press("7").hears("7 is not on the scale.").hears("How satisfied are you")
    call.press("5").hears("How likely are you to recommend")
    assert call.state == {"out_of_range": 1, "satisfaction": 5}


def test_scores_off_the_scale_end_the_survey(simulator: Simulator) -> None:
    call = dial(simulator)
    call.press("0").hears("0 is not on the scale.")
    call.press("9").hears("9 is not on the scale.")
    call.press("6").hears("We did not get your answer. Thank you for your time.").hangs_up()
    assert call.state == {"out_of_range": 3, "completed": False}


def test_first_question_noinput_escalates_then_ends(simulator: Simulator) -> None:
    call = dial(simulator)
    call.silence().hears("Please press a key from 1 to 5: 1 means very unsatisfied, 5 very satisfied.")
    call.hears("How satisfied are you")
    call.silence().hears("Press a key from 1 to 5 now.").does_not_hear("1 means very unsatisfied")
    call.silence().hears("We did not get your answer. Thank you for your time. Goodbye.").hangs_up()
    assert call.state == {"completed": False}


def test_second_question_nomatch_repeats_then_ends(simulator: Simulator) -> None:
    call = dial(simulator).press("2")
    call.press("*").hears("Please press a single key from 0 to 9.").hears("How likely are you to recommend")
    call.nomatch().hears("Please press a single key from 0 to 9.")
    call.nomatch().hears("We did not get your answer.").hangs_up()
    assert call.state == {"satisfaction": 2, "completed": False}


def test_second_question_noinput_escalates(simulator: Simulator) -> None:
    call = dial(simulator).press("2")
    call.silence().hears("0 means not at all likely, 9 extremely likely.")
    call.silence().hears("Press a key from 0 to 9 now.")
    call.silence().hears("We did not get your answer.").hangs_up()


def test_silence_instead_of_a_comment_finishes_without_one(simulator: Simulator) -> None:
    call = dial(simulator).press("5").press("8")
    call.silence().hears("We did not hear anything. Please speak after the tone.").hears("after the tone")
    call.silence().hears("Thank you for your answers. Goodbye.").hangs_up()
    assert call.state == {"satisfaction": 5, "recommend": 8, "comment_bytes": 0, "completed": True}


def test_answering_machine_hears_a_short_message(simulator: Simulator) -> None:
    call = dial(simulator, callee_type="answeringmachine")
    call.hears("We called with a short survey").hears("There is no need to call us back. Goodbye.")
    call.does_not_hear("How satisfied").hangs_up()
    assert call.state == {}
