"""Text helpers every layer uses: translations (`i18n`) and the HTML of messages (`html_text`).

They import nothing else from the bot, so services and models may use them too.
"""
