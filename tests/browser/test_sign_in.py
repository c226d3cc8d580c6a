"""Sign-in with the development issuer, each role's landing page, language, sign-out."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from .conftest import TABLET, ConsoleStack, shot


def test_sign_in_page_lists_personas_and_signs_in(browser: Browser,
                                                  console_stack: ConsoleStack) -> None:
    context = browser.new_context(viewport=TABLET, base_url=console_stack.url)
    page = context.new_page()
    page.goto("/back-office")  # not signed in: sent to sign-in, and back afterwards
    expect(page).to_have_url(f"{console_stack.url}/sign-in?next=%2Fback-office")
    expect(page.get_by_role("heading", name="Masuk")).to_be_visible()
    shot(page, "sign-in")
    page.get_by_test_id("persona-back-office-bantul").click()
    expect(page).to_have_url(f"{console_stack.url}/back-office")
    expect(page.get_by_test_id("whoami")).to_contain_text("Petugas layanan belakang")
    page.get_by_role("button", name="Keluar").click()
    expect(page).to_have_url(f"{console_stack.url}/sign-in")
    page.goto("/back-office")
    expect(page).to_have_url(f"{console_stack.url}/sign-in?next=%2Fback-office")
    context.close()


def test_english_is_available_and_remembered(page_as) -> None:  # type: ignore[no-untyped-def]
    page = page_as("manager-bantul", lang="en")
    page.goto("/sign-in?lang=en")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto("/sign-in")  # the cookie keeps the choice
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_a_role_cannot_open_another_roles_screen(page_as) -> None:  # type: ignore[no-untyped-def]
    page = page_as("disdik-bantul")
    response = page.goto("/dashboard")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading")).to_contain_text("tidak dapat membuka")
