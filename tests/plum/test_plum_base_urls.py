"""Each Plum base URL setting accepts the host or the service's folder, for every endpoint."""

from __future__ import annotations

import pytest

from vxmlkit.plum import OutboundClient, SchedulerClient

LOGIN = "acme-outbound"
PIN = "98765432"
TOKEN = "3cbde128-32b6-47aa-9e62-6353f8b06812"
START = "https://ivr.example.com/vxml/reminder/start?t=abc"

FORMS = ["", "/", "/webservice", "/webservice/"]


@pytest.mark.parametrize("suffix", FORMS)
def test_queuecall_goes_to_one_webservice_folder(plum, suffix) -> None:
    OutboundClient(LOGIN, PIN, plum.base_url + suffix, timeout=5).queue_call("+16175551234", START)
    assert [seen.path for seen in plum.requests] == ["/webservice/queuecall.php"]


@pytest.mark.parametrize("suffix", FORMS)
def test_queuecalls_goes_to_one_webservice_folder(plum, suffix) -> None:
    OutboundClient(LOGIN, PIN, plum.base_url + suffix, timeout=5).queue_campaign("c1", ["16175551234"], START)
    assert [seen.path for seen in plum.requests] == ["/webservice/queuecalls.php"]


@pytest.mark.parametrize("plum", ["fake"], indirect=True)  # the emulator serves Plum's own paths only
@pytest.mark.parametrize("suffix", ["/outbound", "/outbound/webservice/"])
def test_a_turnkey_path_is_kept(plum, suffix) -> None:
    OutboundClient(LOGIN, PIN, plum.base_url + suffix, timeout=5).queue_call("+16175551234", START)
    assert plum.requests[0].path == "/outbound/webservice/queuecall.php"


@pytest.mark.parametrize("suffix", ["", "/", "/api", "/api/"])
def test_scheduler_base_is_the_host_or_the_api_folder(plum, suffix) -> None:
    client = SchedulerClient(TOKEN, plum.base_url + suffix, timeout=5)
    client.create_schedule(["mon"], "weekly")
    assert client.list_schedules()[0].nickname == "weekly"
    assert [seen.path for seen in plum.requests] == ["/api/schedules", "/api/schedules"]
