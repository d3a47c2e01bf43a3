"""What the tests share: example worlds (organisations, coaches, clients, employers and strangers
in the sandbox), the actors' helpers (say, press, texts), and the fuzz campaign's plan.
"""
