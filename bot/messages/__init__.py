"""Everything the bot says on its own: the texts, keyboards, pictures and the PDF of messages it
sends without being asked (scheduled, relayed or passed on), and the button codec they share.

Messages use services and models; they never import handlers, flows or the runtime.
"""
