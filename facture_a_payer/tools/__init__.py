from . import twilio_api
