"""Survey: after a support request, asks two questions on the keypad and records a spoken
comment, which is posted to the server.

Call parameters: ``ticket`` (the support request the survey is about).
"""

from __future__ import annotations

from vxmlkit import CallParams, Flow, Recording, answering_machine, ask, digits, hangup, record, say, spell, step
from vxmlkit.components import Ask

#: Answers outside the scale accepted before the question is given up.
MAX_OUT_OF_RANGE = 2


class Survey(Flow):
    """Asks two keypad questions (satisfaction, recommendation) and records a spoken comment."""

    name = "survey"

    class Params(CallParams):
        ticket: str

    @step(start=True)
    def opening(self, call):
        return answering_machine(
            "Hello, this is Acme Support with a short survey about your support request",
            spell(call.params.ticket),
            ". It takes less than a minute.",
            voice=self.satisfaction_question,
            machine=self.voicemail,
        )

    @step
    def satisfaction_question(self, call):
        return self._satisfaction()

    @step
    def satisfaction_answered(self, call, satisfaction):
        score = int(satisfaction)
        if not 1 <= score <= 5:
            wrong = call.state.get("out_of_range", 0) + 1
            call.state["out_of_range"] = wrong
            if wrong > MAX_OUT_OF_RANGE:
                return self.no_answer(call)
            return [say(f"{score} is not on the scale."), self._satisfaction()]
        call.state["satisfaction"] = score
        return ask(
            "recommend",
            digits(length=1),
            "How likely are you to recommend Acme Support to a friend?",
            "Press a key from 0, not at all likely, to 9, extremely likely.",
            noinput=["Please press a key from 0 to 9: 0 means not at all likely, 9 extremely likely.",
                     "Press a key from 0 to 9 now."],
            nomatch=["Please press a single key from 0 to 9."],
            tries=3,
            on_failure=self.no_answer,
            then=self.recommend_answered,
        )

    @step
    def recommend_answered(self, call, recommend):
        call.state["recommend"] = int(recommend)
        return record(
            "comment",
            "Last, after the tone, please tell us in a few words how we could do better.",
            "Press any key when you are done.",
            max_time=60,
            final_silence=3,
            noinput=["We did not hear anything. Please speak after the tone."],
            tries=2,
            on_failure=self.no_comment,
            then=self.comment_recorded,
        )

    @step
    def comment_recorded(self, call, comment: Recording):
        # A real survey stores the audio with the ticket; the example keeps what describes it.
        call.state["comment_bytes"] = len(comment)
        call.state["comment_type"] = comment.content_type
        call.state["completed"] = True
        return [say("Thank you, we have your comment. Thank you for helping us improve. Goodbye."), hangup()]

    @step
    def no_comment(self, call):
        call.state["comment_bytes"] = 0
        call.state["completed"] = True
        return [say("Thank you for your answers. Goodbye."), hangup()]

    @step
    def voicemail(self, call):
        return [
            say("This is Acme Support. We called with a short survey about your recent support request.",
                "There is no need to call us back. Goodbye."),
            hangup(),
        ]

    @step
    def no_answer(self, call):
        call.state["completed"] = False
        return [say("We did not get your answer. Thank you for your time. Goodbye."), hangup()]

    def _satisfaction(self) -> Ask:
        return ask(
            "satisfaction",
            digits(length=1),
            "How satisfied are you with the help you received?",
            "Press a key from 1, very unsatisfied, to 5, very satisfied.",
            noinput=["Please press a key from 1 to 5: 1 means very unsatisfied, 5 very satisfied.",
                     "Press a key from 1 to 5 now."],
            nomatch=["Please press a single key from 1 to 5."],
            tries=3,
            on_failure=self.no_answer,
            then=self.satisfaction_answered,
        )
