"""The console driven in real headless Chromium: a whole payment reminder call."""

from __future__ import annotations

from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait


def _conversation(driver) -> str:
    return driver.find_element(By.ID, "conversation").text


def _wait_for(driver, text: str, where: str = "conversation", timeout: float = 20):
    WebDriverWait(driver, timeout).until(lambda d: text in d.find_element(By.ID, where).text,
                                         f"{text!r} did not appear in #{where}")


def _press(driver, keys: str) -> None:
    for key in keys:
        driver.find_element(By.CSS_SELECTOR, f'#keypad button[data-key="{key}"]').click()


def test_a_whole_call_in_the_console(chromium, console_server, tmp_path: Path):
    driver = chromium
    driver.get(console_server)
    WebDriverWait(driver, 20).until(lambda d: len(Select(d.find_element(By.ID, "flow")).options) == 5)
    Select(driver.find_element(By.ID, "flow")).select_by_value("payment-reminder")
    driver.find_element(By.ID, "phone").clear()
    driver.find_element(By.ID, "phone").send_keys("+16175551234")
    driver.find_element(By.ID, "params").send_keys("amount=42.10&account=A-1")
    driver.find_element(By.ID, "dial").click()
    _wait_for(driver, "Press 1 to pay now")

    _press(driver, "1")  # one key, sent after the inter-digit pause
    _wait_for(driver, "card number")
    _press(driver, "4111111111111111#")  # the pound key sends the run at once
    _wait_for(driver, "Goodbye")
    _wait_for(driver, "disconnect", where="status")

    conversation = _conversation(driver)
    assert "pressed: 1" in conversation
    assert "has been accepted" in conversation
    sms = driver.find_element(By.ID, "sms").text
    assert "+16175551234" in sms and "Receipt R" in sms
    # The documents panel holds every fetched document, the last one open.
    summaries = [s.text for s in driver.find_elements(By.CSS_SELECTOR, "#documents summary")]
    assert any("/vxml/payment-reminder/step/pay" in s for s in summaries)
    assert '"card_last4": "1111"' in driver.find_element(By.ID, "state").text

    # The diagram highlights the steps the call walked, and marks where it ended.
    walked = {el.get_attribute("class") for el in driver.find_elements(By.CSS_SELECTOR, "#diagram .walked")}
    walked_steps = {c.split()[0] for c in walked if c}
    for step in ("step-opening", "step-greet", "step-pay", "step-charge", "step-receipt_sent"):
        assert any(step in classes for classes in walked), (step, walked_steps)
    assert not any("step-voicemail" in c for c in walked)
    assert driver.find_elements(By.CSS_SELECTOR, "#diagram .current.step-receipt_sent")

    # Save as test: the call in the project's testing vocabulary, with its golden transcript.
    driver.find_element(By.ID, "save").click()
    WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "saved").is_displayed())
    code = driver.find_element(By.ID, "test-code").get_attribute("value")
    assert "simulator.dial('payment-reminder'" in code
    assert "call.press('1')" in code and "call.press('4111111111111111#')" in code
    assert "call.hangs_up()" in code
    golden = driver.find_element(By.ID, "golden-text").get_attribute("value")
    assert golden.startswith("fetched: POST /vxml/payment-reminder/start")
    assert "ended: disconnect" in golden


def test_the_console_page_needs_its_token(chromium, console_server):
    driver = chromium
    driver.get(console_server.split("?", 1)[0])
    assert "signed link" in driver.find_element(By.TAG_NAME, "body").text


def test_keyboard_only(chromium, console_server):
    """Every control is reachable and usable from the keyboard."""
    from selenium.webdriver.common.keys import Keys

    driver = chromium
    driver.get(console_server)
    WebDriverWait(driver, 20).until(lambda d: len(Select(d.find_element(By.ID, "flow")).options) == 5)
    Select(driver.find_element(By.ID, "flow")).select_by_value("survey")
    driver.find_element(By.ID, "dial").send_keys(Keys.ENTER)
    WebDriverWait(driver, 20).until(lambda d: "heard:" in _conversation(d))
    for control in driver.find_elements(By.CSS_SELECTOR, "button, input, select"):
        label = control.get_attribute("aria-label") or control.text or driver.execute_script(
            "return arguments[0].labels && arguments[0].labels.length ? arguments[0].labels[0].textContent : ''",
            control)
        assert label.strip(), control.get_attribute("outerHTML")
