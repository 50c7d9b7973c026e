import re

from bot.profile import ClinicProfile
from bot.website import ASSETS, asset, render_page, tel_uri

PROFILE = ClinicProfile(
    name="Smith & <Jones>", phone="+1 (555) 0100", hours="Mon-Fri 9-5",
    website="https://test.example", emergency_number="911",
)


def test_the_page_carries_the_clinic_profile_escaped():
    page = render_page(PROFILE)
    assert "Smith &amp; &lt;Jones&gt;" in page and "<Jones>" not in page
    assert "+1 (555) 0100" in page and "Mon-Fri 9-5" in page and "911" in page
    assert 'href="tel:+15550100"' in page
    assert not re.search(r"\$\{?\w", page), "a placeholder was left unfilled"


def test_the_page_loads_only_its_own_assets():
    page = render_page(PROFILE)
    sources = re.findall(r'(?:src|href)="([^"#]+)"', page)
    local = [source for source in sources if not source.startswith("tel:")]
    assert local and all(source.startswith("/chat/assets/") for source in local)
    assert {source.rsplit("/", 1)[1] for source in local} <= set(ASSETS)


def test_only_listed_files_are_served():
    assert asset("chat.js") is not None and asset("site.css") is not None
    for name in ["package.json", "../credentials.yml", "index.html", "", "chat.js/"]:
        assert asset(name) is None


def test_tel_uri_keeps_only_digits_and_plus():
    assert tel_uri("+44 20 7946 0000") == "tel:+442079460000"
