"""``shoprelay prove``: evidence that the relay keeps its promises under load, faults and abuse.

* :mod:`.workload` builds the signed webhooks (five shops, real fixtures, fresh ids);
* :mod:`.faults` makes every vendor sandbox fail at random, at documented rates;
* :mod:`.fleet` runs the vendor functions' pollers, tags their log records, and crashes them;
* :mod:`.soak` posts, crashes, settles and gathers evidence; :mod:`.reconcile` judges it;
* :mod:`.bad_input` sends malformed and hostile requests byte for byte;
* :mod:`.emulator` makes moto's DynamoDB and SQS behave under concurrency;
* :mod:`.run` runs it all; :mod:`.report` prints the summary.
"""
